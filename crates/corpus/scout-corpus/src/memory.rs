//! Resident memory of this process, for the phase logs of long refreshes (`SCOUT_LOG=info`):
//! where a 10M-work refresh spends its memory is read off these lines.

/// Logs one phase of a long computation at info level, with seconds since `started` and the
/// process's resident, heap and peak memory.
pub fn log_phase(phase: &str, started: std::time::Instant) {
    let status = read_status();
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        rss_mib = status_mib(&status, "VmRSS:"),
        anon_mib = status_mib(&status, "RssAnon:"),
        peak_mib = status_mib(&status, "VmHWM:"),
        "{phase}"
    );
}

/// Current and peak resident set size in MiB (`VmRSS`, `VmHWM` of `/proc/self/status`);
/// zeros where the file does not exist (not Linux).
pub fn resident_mib() -> (u64, u64) {
    let status = read_status();
    (status_mib(&status, "VmRSS:"), status_mib(&status, "VmHWM:"))
}

fn read_status() -> String {
    std::fs::read_to_string("/proc/self/status").unwrap_or_default()
}

/// One `kB` field of `/proc/self/status` in MiB (0 when absent). `RssAnon` is the part of
/// the resident set that is the heap; the rest is mostly the database file mapped by SQLite
/// (`mmap_size`), which the kernel can drop at any time.
fn status_mib(status: &str, name: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse::<u64>().ok())
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
