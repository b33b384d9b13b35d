//! Resident memory of this process, for the phase logs of long refreshes (`RUST_LOG=info`):
//! where a 10M-work refresh spends its memory is read off these lines.

/// Logs one phase of a long computation at info level, with seconds since `started` and the
/// process's resident and peak memory.
pub fn log_phase(phase: &str, started: std::time::Instant) {
    let (rss_mib, peak_mib) = resident_mib();
    let anon_mib = status_mib("RssAnon:");
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        rss_mib,
        anon_mib,
        peak_mib,
        "{phase}"
    );
}

/// Current and peak resident set size in MiB (`VmRSS`, `VmHWM` of `/proc/self/status`);
/// zeros where the file does not exist (not Linux).
pub fn resident_mib() -> (u64, u64) {
    (status_mib("VmRSS:"), status_mib("VmHWM:"))
}

/// One `kB` field of `/proc/self/status` in MiB (0 when absent). `RssAnon` is the part of
/// the resident set that is the heap; the rest is mostly the database file mapped by SQLite
/// (`mmap_size`), which the kernel can drop at any time.
fn status_mib(name: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_a_nonzero_resident_size_on_linux() {
        let (now, peak) = super::resident_mib();
        if cfg!(target_os = "linux") {
            assert!(now > 0 && peak >= now, "{now} {peak}");
        }
    }
}
