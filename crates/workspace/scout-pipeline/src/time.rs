//! Time as Unix milliseconds, with RFC 3339 formatting and parsing (UTC offsets only; no
//! time-zone database is needed because every stored time is an instant). The calendar is
//! jiff's; the grammar is RFC 3339's, stricter than jiff's Temporal parser (which reads
//! `23:59:60` as `23:59:59`, offsets up to ±25:59 and bracketed zone names).

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::Offset;

use crate::error::{Error, Result};

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The instant of `ms`, clamped to jiff's range (years -9999 to 9999), which holds every
/// stored time.
fn instant(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// `2026-12-01T08:05:01Z` (whole seconds).
pub fn rfc3339(ms: i64) -> String {
    instant(ms).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `20261201T080501Z`, the RFC 5545 UTC form.
pub fn ics_utc(ms: i64) -> String {
    instant(ms).strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// The start of a UTC day `YYYY-MM-DD` in Unix milliseconds (analytics date ranges).
pub fn parse_day(s: &str) -> Result<i64> {
    let bad = || Error::Invalid(format!("expected a date like 2026-05-01, got {s:?}"));
    if s.len() != 10 {
        return Err(bad());
    }
    let date: jiff::civil::Date = s.parse().map_err(|_| bad())?;
    let start = Offset::UTC
        .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .map_err(|_| bad())?;
    Ok(start.as_millisecond())
}

/// A lower bound given as a day (`YYYY-MM-DD`, its start in UTC) or an RFC 3339 instant, in Unix
/// milliseconds (`--since` and `since=` of the alerts).
pub fn parse_since(s: &str) -> Result<i64> {
    let s = s.trim();
    let parsed = if s.len() == 10 {
        parse_day(s)
    } else {
        parse_rfc3339(s)
    };
    parsed.map_err(|_| {
        Error::Invalid(format!(
            "since takes a day (2026-12-01) or a UTC time (2026-12-01T08:00:00Z), not {s:?}"
        ))
    })
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
    // No leap second (`:60`): stored times are Unix milliseconds, which have none, and
    // accepting one would make 23:59:60 equal to the next day's 00:00:00. jiff's civil time
    // refuses it, like a day the month does not have.
    let small = |v: i64| i8::try_from(v).map_err(|_| bad());
    let year = i16::try_from(y).map_err(|_| bad())?;
    let wall = DateTime::new(
        year,
        small(mo)?,
        small(d)?,
        small(h)?,
        small(mi)?,
        small(sec)?,
        0,
    )
    .map_err(|_| bad())?;
    let offset = Offset::from_seconds(i32::try_from(offset_min * 60).map_err(|_| bad())?)
        .map_err(|_| bad())?;
    let ts = offset.to_timestamp(wall).map_err(|_| bad())?;
    Ok(ts.as_millisecond() + frac_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_utc_midnight() {
        assert_eq!(parse_day("1970-01-02").ok(), Some(86_400_000));
        assert_eq!(
            parse_day("2026-05-01").ok(),
            parse_rfc3339("2026-05-01T00:00:00Z").ok()
        );
        for bad in [
            "2026-5-1",
            "2026-02-30",
            "yesterday",
            "2026-05-01T00:00Z",
            "",
        ] {
            assert!(parse_day(bad).is_err(), "{bad}");
        }
    }

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
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(
            parse_rfc3339("1969-12-31T23:59:59.999Z").ok(),
            Some(-1),
            "before 1970"
        );
        assert_eq!(
            parse_rfc3339("2000-02-29T23:59:59-23:59").map(rfc3339).ok(),
            Some("2000-03-01T23:58:59Z".to_string())
        );
        assert!(
            parse_rfc3339("1900-02-29T00:00:00Z").is_err(),
            "not a leap year"
        );
    }

    proptest::proptest! {
        /// Every instant of the years 0001–9998 prints and parses back (to the second), also
        /// through an offset.
        #[test]
        fn instants_round_trip(ms in -62_135_596_800_000i64..253_370_764_800_000, east in -1439i64..=1439) {
            let whole = ms - ms.rem_euclid(1000);
            proptest::prop_assert_eq!(parse_rfc3339(&rfc3339(ms)).ok(), Some(whole));
            let local = rfc3339(whole + east * 60_000);
            let sign = if east < 0 { '-' } else { '+' };
            let shifted = format!("{}{sign}{:02}:{:02}", &local[..19], east.abs() / 60, east.abs() % 60);
            proptest::prop_assert_eq!(parse_rfc3339(&shifted).ok(), Some(whole), "{}", shifted);
        }
    }
}
