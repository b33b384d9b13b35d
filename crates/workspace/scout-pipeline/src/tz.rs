//! Time zones of meetings: IANA names checked against the tz database bundled into the binary
//! (jiff's `tzdb-bundle-always`, so every machine resolves zones alike and nothing is read from
//! the host), local wall times resolved to instants, and the local view of a stored instant.
//!
//! A wall time that does not exist in the zone (the spring-forward gap) is rejected; one that
//! occurs twice (the fall-back overlap) resolves to the earlier instant, which is also what
//! RFC 5545 §3.3.5 prescribes for a `TZID` time. A caller who means the later one sends the
//! instant with its offset (`2026-10-25T02:30:00+01:00`) together with the zone.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};

use crate::error::{Error, Result};

/// Earliest and latest years a meeting may start in (keeps every time printable as four digits
/// and inside the tz database's well-defined range).
const YEARS: std::ops::RangeInclusive<i16> = 1970..=2200;

/// A validated IANA time zone.
#[derive(Clone, Debug)]
pub struct Zone {
    tz: TimeZone,
    name: String,
}

/// An instant seen in a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Local {
    pub datetime: DateTime,
    /// Seconds east of UTC.
    pub offset_seconds: i32,
}

impl Local {
    /// `2026-05-01T10:00:00`.
    pub fn iso(&self) -> String {
        self.datetime.strftime("%Y-%m-%dT%H:%M:%S").to_string()
    }

    /// `20260501T100000`, RFC 5545's local DATE-TIME form.
    pub fn ics(&self) -> String {
        self.datetime.strftime("%Y%m%dT%H%M%S").to_string()
    }

    /// `+02:00` (seconds too, `+00:34:08`, for the rare historic offsets that have them).
    pub fn offset_iso(&self) -> String {
        format_offset(self.offset_seconds, ":")
    }
}

/// `±HH<sep>MM[<sep>SS]`.
pub(crate) fn format_offset(seconds: i32, sep: &str) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let a = seconds.unsigned_abs();
    let (h, m, s) = (a / 3600, a % 3600 / 60, a % 60);
    if s == 0 {
        format!("{sign}{h:02}{sep}{m:02}")
    } else {
        format!("{sign}{h:02}{sep}{m:02}{sep}{s:02}")
    }
}

impl Zone {
    /// UTC, the zone of meetings given as bare instants.
    pub fn utc() -> Zone {
        Zone {
            tz: TimeZone::UTC,
            name: "UTC".into(),
        }
    }

    /// Looks up an IANA name (case-insensitive; stored in the database's spelling).
    pub fn get(name: &str) -> Result<Zone> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 {
            return Err(Error::Invalid(
                "time_zone must be an IANA name such as Europe/Zurich".into(),
            ));
        }
        if matches!(name.to_ascii_lowercase().as_str(), "utc" | "etc/utc") {
            return Ok(Zone::utc());
        }
        let tz = TimeZone::get(name).map_err(|_| {
            Error::Invalid(format!(
                "unknown time zone {name:?}: use an IANA name such as Europe/Zurich, \
                 America/New_York or UTC"
            ))
        })?;
        let canonical = tz.iana_name().unwrap_or(name).to_string();
        Ok(Zone {
            tz,
            name: canonical,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn is_utc(&self) -> bool {
        self.name == "UTC"
    }

    pub(crate) fn tz(&self) -> &TimeZone {
        &self.tz
    }

    /// The wall time and offset of `ms` (Unix milliseconds) in this zone.
    pub fn local(&self, ms: i64) -> Result<Local> {
        let ts = timestamp(ms)?;
        Ok(Local {
            datetime: self.tz.to_datetime(ts),
            offset_seconds: self.tz.to_offset(ts).seconds(),
        })
    }

    /// The instant of a wall time: a gap is an error, an overlap gives the earlier instant.
    pub fn resolve(&self, wall: DateTime) -> Result<i64> {
        let ambiguous = self.tz.to_ambiguous_timestamp(wall);
        let offset = match ambiguous.offset() {
            AmbiguousOffset::Unambiguous { offset } => offset,
            AmbiguousOffset::Fold { before, .. } => before,
            AmbiguousOffset::Gap { before, after } => {
                return Err(Error::Invalid(format!(
                    "{} does not exist in {}: the clocks change from UTC{} to UTC{} then; \
                     pick a time outside the skipped interval",
                    Local {
                        datetime: wall,
                        offset_seconds: 0
                    }
                    .iso(),
                    self.name,
                    format_offset(before.seconds(), ":"),
                    format_offset(after.seconds(), ":"),
                )));
            }
        };
        let ts = offset
            .to_timestamp(wall)
            .map_err(|e| Error::Invalid(format!("time out of range: {e}")))?;
        Ok(ts.as_millisecond())
    }

    /// Whether `ms` is what its own wall time in this zone resolves to (RFC 5545 reads a
    /// `TZID` time in an overlap as the earlier instant, so the later one is not).
    pub fn round_trips(&self, ms: i64) -> bool {
        self.local(ms)
            .ok()
            .and_then(|l| self.resolve(l.datetime).ok())
            == Some(ms)
    }
}

pub(crate) fn timestamp(ms: i64) -> Result<Timestamp> {
    Timestamp::from_millisecond(ms).map_err(|e| Error::Invalid(format!("time out of range: {e}")))
}

/// Parses a wall time `YYYY-MM-DDTHH:MM[:SS]` (no offset).
pub fn parse_wall_time(s: &str) -> Result<DateTime> {
    let bad = || {
        Error::Invalid(format!(
            "expected a local time like 2026-05-01T10:00 (with time_zone) or an instant like \
             2026-05-01T08:00:00Z, got {s:?}"
        ))
    };
    let b = s.as_bytes();
    if !(b.len() == 16 || b.len() == 19)
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || (b.len() == 19 && b[16] != b':')
    {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i16> {
        let t = s.get(r).ok_or_else(bad)?;
        if !t.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        t.parse::<i16>().map_err(|_| bad())
    };
    let small =
        |r: std::ops::Range<usize>| -> Result<i8> { i8::try_from(num(r)?).map_err(|_| bad()) };
    let year = num(0..4)?;
    let second = if b.len() == 19 { small(17..19)? } else { 0 };
    let dt = DateTime::new(
        year,
        small(5..7)?,
        small(8..10)?,
        small(11..13)?,
        small(14..16)?,
        second,
        0,
    )
    .map_err(|_| bad())?;
    Ok(dt)
}

/// Whether a start time string carries an offset (`Z`, `+02:00`, `-05:00`): then it is an
/// instant; otherwise a wall time.
fn has_offset(s: &str) -> bool {
    s.get(11..)
        .is_some_and(|t| t.contains(['Z', 'z', '+', '-']))
}

/// A meeting's start from the API: an instant (RFC 3339 with an offset; the zone, if given,
/// is only how it is shown) or a wall time in `time_zone`. No zone means UTC, and a wall time
/// without a zone is refused rather than guessed.
pub fn parse_start(starts_at: &str, time_zone: Option<&str>) -> Result<(i64, Zone)> {
    let zone = match time_zone {
        Some(name) => Zone::get(name)?,
        None => Zone::utc(),
    };
    let s = starts_at.trim();
    let ms = if has_offset(s) {
        crate::time::parse_rfc3339(s)?
    } else {
        if time_zone.is_none() {
            return Err(Error::Invalid(format!(
                "starts_at {s:?} has no offset: add time_zone (e.g. \"Europe/Zurich\") for a \
                 local time, or give an instant like 2026-05-01T08:00:00Z"
            )));
        }
        zone.resolve(parse_wall_time(s)?)?
    };
    let year = zone.local(ms)?.datetime.year();
    if !YEARS.contains(&year) {
        return Err(Error::Invalid(format!(
            "starts_at must be between {} and {}",
            YEARS.start(),
            YEARS.end()
        )));
    }
    Ok((ms, zone))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{parse_rfc3339, rfc3339};

    fn ms(s: &str) -> i64 {
        parse_rfc3339(s).expect("instant")
    }

    #[test]
    fn wall_times_resolve_in_their_zone() {
        let (t, z) = parse_start("2026-05-01T10:00", Some("europe/zurich")).expect("start");
        assert_eq!(z.name(), "Europe/Zurich");
        assert_eq!(rfc3339(t), "2026-05-01T08:00:00Z");
        let l = z.local(t).expect("local");
        assert_eq!(
            (l.iso(), l.offset_iso()),
            ("2026-05-01T10:00:00".into(), "+02:00".into())
        );
        // Winter: +01:00.
        let (t, _) = parse_start("2026-12-01T10:00:30", Some("Europe/Zurich")).expect("start");
        assert_eq!(rfc3339(t), "2026-12-01T09:00:30Z");
        // New York, summer and winter.
        let (t, _) = parse_start("2026-07-04 09:00", Some("America/New_York")).expect("start");
        assert_eq!(rfc3339(t), "2026-07-04T13:00:00Z");
    }

    #[test]
    fn instants_keep_their_instant_and_default_to_utc() {
        let (t, z) = parse_start("2026-05-01T10:00:00+02:00", None).expect("start");
        assert!(z.is_utc());
        assert_eq!(t, ms("2026-05-01T08:00:00Z"));
        let (t2, z) = parse_start("2026-05-01T08:00:00Z", Some("Asia/Tokyo")).expect("start");
        assert_eq!((t2, z.name()), (t, "Asia/Tokyo"));
        assert_eq!(z.local(t2).expect("local").iso(), "2026-05-01T17:00:00");
    }

    #[test]
    fn gaps_are_refused_and_overlaps_take_the_earlier_instant() {
        // Europe/Zurich springs forward 2026-03-29 02:00 → 03:00.
        let e = parse_start("2026-03-29T02:30", Some("Europe/Zurich")).expect_err("gap");
        let msg = e.to_string();
        assert!(
            msg.contains("does not exist") && msg.contains("+01:00") && msg.contains("+02:00"),
            "{msg}"
        );
        // And falls back 2026-10-25 03:00 → 02:00: 02:30 happens at 00:30Z and 01:30Z.
        let (t, z) = parse_start("2026-10-25T02:30", Some("Europe/Zurich")).expect("fold");
        assert_eq!(rfc3339(t), "2026-10-25T00:30:00Z");
        assert!(z.round_trips(t));
        // The later one, given as an instant, is kept, but does not round-trip as a wall time.
        let (later, _) =
            parse_start("2026-10-25T02:30:00+01:00", Some("Europe/Zurich")).expect("later");
        assert_eq!(rfc3339(later), "2026-10-25T01:30:00Z");
        assert!(!z.round_trips(later));
    }

    #[test]
    fn unknown_zones_and_bad_times_are_invalid() {
        for zone in ["Europe/Atlantis", "", "CEST+2", "../../etc/passwd"] {
            let e = parse_start("2026-05-01T10:00", Some(zone)).expect_err(zone);
            assert!(matches!(e, Error::Invalid(_)), "{zone}");
        }
        assert!(
            parse_start("2026-05-01T10:00", None)
                .expect_err("no zone")
                .to_string()
                .contains("time_zone")
        );
        for bad in [
            "2026-02-30T10:00",
            "2026-05-01T25:00",
            "2026-05-01",
            "soon",
            "2026-05-01T10:00:00.5",
        ] {
            assert!(parse_start(bad, Some("UTC")).is_err(), "{bad}");
        }
        assert!(parse_start("1900-01-01T10:00", Some("UTC")).is_err());
        assert_eq!(Zone::get("Etc/UTC").expect("utc").name(), "UTC");
    }

    #[test]
    fn offsets_format_with_seconds_only_when_needed() {
        assert_eq!(format_offset(3600, ""), "+0100");
        assert_eq!(format_offset(-5 * 3600 - 1800, ":"), "-05:30");
        assert_eq!(format_offset(2048, ""), "+003408");
    }
}
