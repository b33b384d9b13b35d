//! Time as Unix milliseconds, with RFC 3339 formatting and parsing (UTC offsets only; no
//! time-zone database is needed because every stored time is an instant).

use crate::error::{Error, Result};

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Days since 1970-01-01 → (year, month, day). (Howard Hinnant's civil_from_days.)
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) → days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn split(ms: i64) -> (i64, u32, u32, i64, i64, i64) {
    let secs = ms.div_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    (y, mo, d, sod / 3600, sod % 3600 / 60, sod % 60)
}

/// `2026-12-01T08:05:01Z`.
pub fn rfc3339(ms: i64) -> String {
    let (y, mo, d, h, mi, s) = split(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `20261201T080501Z`, the RFC 5545 UTC form.
pub fn ics_utc(ms: i64) -> String {
    let (y, mo, d, h, mi, s) = split(ms);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

/// Parses `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM)` into Unix milliseconds, strictly: offsets up
/// to ±23:59, seconds up to 59 (no leap second), a fraction has at least one digit.
pub fn parse_rfc3339(s: &str) -> Result<i64> {
    let bad = || {
        Error::Invalid(format!(
            "expected a time like 2026-05-01T14:00:00Z, got {s:?}"
        ))
    };
    let b = s.as_bytes();
    if b.len() < 17 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64> {
        let t = s.get(r).ok_or_else(bad)?;
        if !t.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        t.parse::<i64>().map_err(|_| bad())
    };
    let (y, mo, d, h, mi) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
    );
    if b[13] != b':' {
        return Err(bad());
    }
    let mut i = 16;
    let mut sec = 0;
    let mut frac_ms = 0;
    if b.get(i) == Some(&b':') {
        sec = num(i + 1..i + 3)?;
        i += 3;
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            i = start;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            let digits = s.get(start..i).ok_or_else(bad)?;
            if digits.is_empty() {
                return Err(bad());
            }
            let padded: String = digits.chars().chain("000".chars()).take(3).collect();
            frac_ms = padded.parse::<i64>().map_err(|_| bad())?;
        }
    }
    let offset_min = match s.get(i..) {
        Some("Z" | "z") => 0,
        Some(rest)
            if rest.len() == 6
                && matches!(rest.as_bytes()[0], b'+' | b'-')
                && rest.as_bytes()[3] == b':' =>
        {
            let oh = num(i + 1..i + 3)?;
            let om = num(i + 4..i + 6)?;
            // RFC 3339 offsets are real UTC offsets: at most 23:59.
            if oh > 23 || om > 59 {
                return Err(bad());
            }
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (oh * 60 + om)
        }
        _ => return Err(bad()),
    };
    let month = u32::try_from(mo).map_err(|_| bad())?;
    let day = u32::try_from(d).map_err(|_| bad())?;
    let dim = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    // No leap second (`:60`): stored times are Unix milliseconds, which have none, and
    // accepting one would make 23:59:60 equal to the next day's 00:00:00.
    if day == 0 || day > dim || h > 23 || mi > 59 || sec > 59 {
        return Err(bad());
    }
    let days = days_from_civil(y, month, day);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    Ok(secs * 1000 + frac_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        let t = parse_rfc3339("2026-12-01T08:05:01Z").expect("parse");
        assert_eq!(rfc3339(t), "2026-12-01T08:05:01Z");
        assert_eq!(ics_utc(t), "20261201T080501Z");
        let with_offset = parse_rfc3339("2026-12-01T09:05:01+01:00").expect("parse");
        assert_eq!(with_offset, t);
        assert_eq!(
            parse_rfc3339("2024-02-29T00:00:00.5Z")
                .ok()
                .map(|x| x % 1000),
            Some(500)
        );
        for bad in [
            "2026-02-30T00:00:00Z",
            "2026-12-01 08:05",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-12-01T08:05:01+25:00",
            "2026-12-01T08:05:01+01:60",
            "2016-12-31T23:59:60Z",
            "2026-12-01T08:05:01.Z",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad}");
        }
    }
}
