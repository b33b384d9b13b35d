//! iCalendar (RFC 5545) rendering of meetings: escaped text, folded lines, CRLF. Every value that
//! comes from a person goes through one of three functions: [`escape`] for TEXT values,
//! [`param_value`] for a quoted parameter value (RFC 5545 has no escape there, so quotes and
//! control characters are dropped) and [`mailto`] for the attendee's address (anything but a
//! plain address is written as a CN only). None of them can emit CR or LF, so no input adds a
//! line (a property test checks it). A meeting in
//! UTC is written with `…Z` times; a meeting in another zone with `DTSTART;TZID=Zone:local`,
//! and the calendar carries one `VTIMEZONE` per zone used, generated from the tz database's
//! transitions around the meetings' dates (one STANDARD/DAYLIGHT observance per kind of
//! transition, its later onsets as RDATEs).

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::error::Result;
use crate::model::Meeting;
use crate::time::{ics_utc, now_ms};
use crate::tz::{Zone, format_offset, timestamp};

/// How far past the last meeting the generated time-zone rules reach, so that a calendar that
/// lets someone move the event by a few months still has the right offsets.
const RULES_AFTER_MS: i64 = 366 * 86_400_000;

/// Escapes TEXT values (RFC 5545 §3.3.11).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A quoted parameter value (RFC 5545 §3.2: `DQUOTE *QSAFE-CHAR DQUOTE`): QSAFE-CHAR excludes
/// control characters and `"`, and there is no escape, so those are dropped (a quote becomes `'`).
fn param_value(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '"' { '\'' } else { c })
        .collect()
}

/// The `mailto:` URI of an attendee written as a plain e-mail address, or `None` when the text is
/// not one (then the attendee gets a CN only). Only characters an address and a URI share are
/// accepted, so the value can neither end the line nor add a parameter.
fn mailto(a: &str) -> Option<String> {
    let (local, domain) = a.split_once('@')?;
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let domain_ok = !domain.is_empty()
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    (local_ok && domain_ok).then(|| format!("mailto:{a}"))
}

/// Folds a content line at 75 octets (never inside a UTF-8 character), CRLF-terminated.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

/// One observance of a VTIMEZONE: every transition with the same kind, offsets and name.
struct Observance {
    daylight: bool,
    from: i32,
    to: i32,
    name: String,
    /// Local onsets (wall time in the offset before the transition), first one first.
    onsets: Vec<String>,
}

/// The VTIMEZONE of `zone` covering `[from_ms, to_ms]`: the observance in effect at `from_ms`
/// and every transition up to `to_ms` plus `RULES_AFTER_MS`.
fn vtimezone(zone: &Zone, from_ms: i64, to_ms: i64, out: &mut String) -> Result<()> {
    let tz = zone.tz();
    let start = timestamp(from_ms)?;
    let limit = timestamp(to_ms.saturating_add(RULES_AFTER_MS))?;
    // `preceding` is strictly before its argument; a transition exactly at `from_ms` counts.
    let first = tz.preceding(timestamp(from_ms + 1)?).next();
    let mut transitions: Vec<(Timestamp, i32, bool, String)> = Vec::new();
    let mut cursor = start;
    if let Some(t) = &first {
        transitions.push((
            t.timestamp(),
            t.offset().seconds(),
            t.dst().is_dst(),
            t.abbreviation().to_string(),
        ));
        cursor = t.timestamp();
    }
    for t in tz.following(cursor) {
        if t.timestamp() > limit {
            break;
        }
        transitions.push((
            t.timestamp(),
            t.offset().seconds(),
            t.dst().is_dst(),
            t.abbreviation().to_string(),
        ));
    }
    let mut observances: Vec<Observance> = Vec::new();
    if transitions.is_empty() {
        // A zone without transitions (a fixed offset): one observance from the epoch.
        let offset = tz.to_offset(start).seconds();
        observances.push(Observance {
            daylight: false,
            from: offset,
            to: offset,
            name: zone.name().to_string(),
            onsets: vec!["19700101T000000".into()],
        });
    }
    for (at, to, daylight, name) in transitions {
        let before = timestamp(at.as_millisecond() - 1000)?;
        let from = tz.to_offset(before).seconds();
        let onset = jiff::tz::Offset::from_seconds(from)
            .map_err(|e| crate::error::Error::Invalid(e.to_string()))?
            .to_datetime(at);
        let onset = crate::tz::Local {
            datetime: onset,
            offset_seconds: from,
        }
        .ics();
        match observances
            .iter_mut()
            .find(|o| o.daylight == daylight && o.from == from && o.to == to && o.name == name)
        {
            Some(o) => o.onsets.push(onset),
            None => observances.push(Observance {
                daylight,
                from,
                to,
                name,
                onsets: vec![onset],
            }),
        }
    }
    fold("BEGIN:VTIMEZONE", out);
    fold(&format!("TZID:{}", escape(zone.name())), out);
    for o in &observances {
        let kind = if o.daylight { "DAYLIGHT" } else { "STANDARD" };
        fold(&format!("BEGIN:{kind}"), out);
        fold(&format!("DTSTART:{}", o.onsets[0]), out);
        fold(&format!("TZOFFSETFROM:{}", format_offset(o.from, "")), out);
        fold(&format!("TZOFFSETTO:{}", format_offset(o.to, "")), out);
        fold(&format!("TZNAME:{}", escape(&o.name)), out);
        for onset in &o.onsets[1..] {
            fold(&format!("RDATE:{onset}"), out);
        }
        fold(&format!("END:{kind}"), out);
    }
    fold("END:VTIMEZONE", out);
    Ok(())
}

/// `DTSTART`/`DTEND` of an instant: `NAME;TZID=Zone:local` when the local time means exactly
/// this instant (RFC 5545 reads a repeated wall time as its first occurrence), else UTC.
fn date_time(prop: &str, zone: &Zone, ms: i64) -> Result<String> {
    if !zone.is_utc() && zone.round_trips(ms) {
        let local = zone.local(ms)?;
        Ok(format!(
            "{prop};TZID={}:{}",
            param_value(zone.name()),
            local.ics()
        ))
    } else {
        Ok(format!("{prop}:{}", ics_utc(ms)))
    }
}

/// A VCALENDAR with one VEVENT per meeting. `host` makes UIDs globally unique.
pub fn render(meetings: &[Meeting], candidate_name: &str, host: &str) -> Result<String> {
    let mut out = String::new();
    let stamp = ics_utc(now_ms());
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Scout//Pipeline//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        fold(l, &mut out);
    }
    let mut zones: BTreeMap<String, (Zone, i64, i64)> = BTreeMap::new();
    let mut resolved = Vec::with_capacity(meetings.len());
    for m in meetings {
        let zone = Zone::get(&m.time_zone)?;
        if !zone.is_utc() {
            let e = zones
                .entry(zone.name().to_string())
                .or_insert_with(|| (zone.clone(), m.starts_at, m.ends_at));
            e.1 = e.1.min(m.starts_at);
            e.2 = e.2.max(m.ends_at);
        }
        resolved.push(zone);
    }
    for (zone, from, to) in zones.values() {
        vtimezone(zone, *from, *to, &mut out)?;
    }
    for (m, zone) in meetings.iter().zip(&resolved) {
        fold("BEGIN:VEVENT", &mut out);
        fold(&format!("UID:meeting-{}@{}", m.id, escape(host)), &mut out);
        fold(&format!("DTSTAMP:{stamp}"), &mut out);
        fold(&date_time("DTSTART", zone, m.starts_at)?, &mut out);
        fold(&date_time("DTEND", zone, m.ends_at)?, &mut out);
        fold(&format!("SUMMARY:{}", escape(&m.title)), &mut out);
        fold(
            &format!(
                "DESCRIPTION:{}",
                escape(&format!("Meeting with {candidate_name}"))
            ),
            &mut out,
        );
        if let Some(p) = &m.place {
            fold(&format!("LOCATION:{}", escape(p)), &mut out);
        }
        for a in &m.attendees {
            // An attendee given as an e-mail address gets a mailto: URI; others a CN only.
            let uri = mailto(a).unwrap_or_else(|| "invalid:nomail".to_string());
            fold(
                &format!("ATTENDEE;CN=\"{}\":{uri}", param_value(a)),
                &mut out,
            );
        }
        fold("END:VEVENT", &mut out);
    }
    fold("END:VCALENDAR", &mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_rfc3339;

    fn meeting(id: i64, title: &str, starts: &str, minutes: i64, zone: &str) -> Meeting {
        let z = Zone::get(zone).expect("zone");
        let starts_at = parse_rfc3339(starts).expect("time");
        let ends_at = starts_at + minutes * 60_000;
        Meeting {
            id,
            candidate_id: 1,
            title: title.into(),
            starts_at,
            ends_at,
            duration_minutes: minutes,
            time_zone: z.name().into(),
            starts_local: crate::model::local_rfc3339(&z, starts_at).expect("local"),
            ends_local: crate::model::local_rfc3339(&z, ends_at).expect("local"),
            place: Some("Café Zürich, Room 4".into()),
            attendees: vec!["ann@example.org".into(), "Bob Smith".into()],
            created_by: "ann".into(),
            created_at: 0,
        }
    }

    fn check_lines(s: &str) {
        for line in s.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        assert!(s.ends_with("END:VCALENDAR\r\n"));
        assert!(!s.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn utc_meetings_are_written_in_utc_without_vtimezone() {
        let m = meeting(
            3,
            "Lunch; research chat, with the team",
            "2026-05-01T12:00:00+02:00",
            90,
            "UTC",
        );
        let s = render(&[m], "Ada", "scout.local").expect("render");
        assert!(s.contains("DTSTART:20260501T100000Z\r\n"));
        assert!(s.contains("DTEND:20260501T113000Z\r\n"));
        assert!(s.contains("SUMMARY:Lunch\\; research chat\\, with the team\r\n"));
        assert!(s.contains("ATTENDEE;CN=\"ann@example.org\":mailto:ann@example.org"));
        assert!(!s.contains("VTIMEZONE"));
        check_lines(&s);
    }

    #[test]
    fn zoned_meetings_get_tzid_times_and_one_vtimezone_per_zone() {
        let ms = [
            meeting(1, "Zürich", "2026-05-01T08:00:00Z", 60, "Europe/Zurich"),
            meeting(
                2,
                "Zürich again",
                "2026-12-01T09:00:00Z",
                30,
                "Europe/Zurich",
            ),
            meeting(
                3,
                "New York",
                "2026-05-01T14:00:00Z",
                45,
                "America/New_York",
            ),
            meeting(4, "Tokyo", "2026-05-01T01:00:00Z", 45, "Asia/Tokyo"),
        ];
        let s = render(&ms, "Ada", "scout.local").expect("render");
        check_lines(&s);
        assert!(
            s.contains("DTSTART;TZID=Europe/Zurich:20260501T100000\r\n"),
            "{s}"
        );
        assert!(s.contains("DTEND;TZID=Europe/Zurich:20260501T110000\r\n"));
        assert!(s.contains("DTSTART;TZID=Europe/Zurich:20261201T100000\r\n"));
        assert!(s.contains("DTSTART;TZID=America/New_York:20260501T100000\r\n"));
        assert!(s.contains("DTSTART;TZID=Asia/Tokyo:20260501T100000\r\n"));
        assert_eq!(s.matches("BEGIN:VTIMEZONE").count(), 3);
        assert_eq!(s.matches("TZID:Europe/Zurich\r\n").count(), 1);
        // Zürich from the observance in effect on 2026-05-01 (CEST since 2026-03-29) through
        // the rules a year after the last meeting.
        let zurich = &s[s.find("TZID:Europe/Zurich").expect("zurich")..];
        let zurich = &zurich[..zurich.find("END:VTIMEZONE").expect("end")];
        assert!(zurich.contains(
            "BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nRDATE:20270328T020000\r\n"
        ), "{zurich}");
        assert!(zurich.contains(
            "BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nRDATE:20271031T030000\r\n"
        ), "{zurich}");
        // Tokyo has had no transition since 1951: one observance, from then on.
        let tokyo = &s[s.find("TZID:Asia/Tokyo").expect("tokyo")..];
        let tokyo = &tokyo[..tokyo.find("END:VTIMEZONE").expect("end")];
        assert_eq!(tokyo.matches("BEGIN:STANDARD").count(), 1, "{tokyo}");
        assert!(tokyo.contains("TZOFFSETTO:+0900\r\n"));
        // VTIMEZONEs come before the events.
        assert!(s.rfind("END:VTIMEZONE") < s.find("BEGIN:VEVENT"));
    }

    #[test]
    fn the_later_of_a_repeated_hour_is_written_in_utc() {
        // 2026-10-25 02:30 happens twice in Zürich; 01:30Z is the second one, which a TZID
        // time cannot say (RFC 5545 reads it as the first).
        let m = meeting(1, "Late", "2026-10-25T01:30:00Z", 30, "Europe/Zurich");
        let s = render(&[m], "Ada", "h").expect("render");
        assert!(s.contains("DTSTART:20261025T013000Z\r\n"), "{s}");
        assert!(
            s.contains("DTEND;TZID=Europe/Zurich:20261025T030000\r\n"),
            "{s}"
        );
        // The first 02:30 round-trips; a meeting across the change ends in standard time.
        let m = meeting(2, "Early", "2026-10-25T00:30:00Z", 90, "Europe/Zurich");
        let s = render(&[m], "Ada", "h").expect("render");
        assert!(
            s.contains("DTSTART;TZID=Europe/Zurich:20261025T023000\r\n"),
            "{s}"
        );
        assert!(
            s.contains("DTEND;TZID=Europe/Zurich:20261025T030000\r\n"),
            "{s}"
        );
    }

    /// The properties a rendered calendar may have, by line (after unfolding).
    const ALLOWED: &[&str] = &[
        "BEGIN:",
        "END:",
        "VERSION:",
        "PRODID:",
        "CALSCALE:",
        "METHOD:",
        "TZID:",
        "DTSTART",
        "DTEND",
        "TZOFFSETFROM:",
        "TZOFFSETTO:",
        "TZNAME:",
        "RDATE:",
        "UID:",
        "DTSTAMP:",
        "SUMMARY:",
        "DESCRIPTION:",
        "LOCATION:",
        "ATTENDEE;CN=\"",
    ];

    /// Unfolds and checks that the calendar has exactly the expected lines.
    fn assert_structure(s: &str, attendees: usize) {
        assert!(
            !s.replace("\r\n", "").contains(['\r', '\n']),
            "bare CR or LF"
        );
        let unfolded = s.replace("\r\n ", "");
        let lines: Vec<&str> = unfolded.trim_end_matches("\r\n").split("\r\n").collect();
        for l in &lines {
            assert!(
                ALLOWED.iter().any(|p| l.starts_with(p)),
                "unexpected line {l:?}"
            );
        }
        assert_eq!(lines.iter().filter(|l| **l == "BEGIN:VEVENT").count(), 1);
        let att: Vec<&&str> = lines.iter().filter(|l| l.starts_with("ATTENDEE")).collect();
        assert_eq!(att.len(), attendees);
        for a in att {
            // One quoted CN, then `:` and the URI, which has no parameter delimiters.
            let rest = &a["ATTENDEE;CN=\"".len()..];
            let (cn, uri) = rest.split_once("\":").expect("closing quote");
            assert!(!cn.contains('"'), "{a}");
            let address_ok = uri
                .strip_prefix("mailto:")
                .is_some_and(|m| !m.contains([';', '"', ':', ' ', ',']));
            assert!(uri == "invalid:nomail" || address_ok, "{a}");
        }
        for l in &lines {
            let text_value = ["SUMMARY:", "DESCRIPTION:", "LOCATION:"]
                .iter()
                .find_map(|p| l.strip_prefix(p));
            if let Some(v) = text_value {
                // Unescaped `;` `,` would be value separators; every one must be escaped.
                let unescaped = v.replace("\\\\", "").replace("\\;", "").replace("\\,", "");
                assert!(!unescaped.contains([';', ',']), "{l}");
            }
        }
    }

    #[test]
    fn an_attendee_with_a_line_break_cannot_add_an_event() {
        let mut m = meeting(1, "Call", "2026-05-01T08:00:00Z", 30, "UTC");
        m.attendees = vec![
            "x@example.org\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nURL:http://evil.example".into(),
            "Eve\"; ROLE=CHAIR:mailto:eve@evil.example\nX".into(),
            "eve@evil.example;RSVP=TRUE".into(),
        ];
        m.place = Some("Room\r\nURL:http://evil.example".into());
        let s = render(&[m], "Ada\r\nURL:x", "host\r\nURL:y").expect("render");
        assert_structure(&s, 3);
        assert!(!s.replace("\r\n ", "").contains("\r\nURL"), "{s}");
        assert!(
            s.contains("ATTENDEE;CN=\"eve@evil.example;RSVP=TRUE\":invalid:nomail"),
            "{s}"
        );
    }

    proptest::proptest! {
        #[test]
        fn no_input_adds_a_line(
            title in "\\PC*|[\\x00-\\x7f]{0,40}",
            place in proptest::option::of("[\\x00-\\x7f\\u{85}\\u{2028}\\u{2029}é]{0,60}"),
            attendees in proptest::collection::vec("[\\x00-\\x7f\\u{85}\\u{2028}é]{0,40}", 0..4),
            name in "[\\x00-\\x7f]{0,30}",
            host in "[\\x00-\\x7f]{0,20}",
        ) {
            let mut m = meeting(7, &title, "2026-05-01T08:00:00Z", 30, "Europe/Zurich");
            m.place = place;
            m.attendees = attendees.clone();
            let s = render(&[m], &name, &host).expect("render");
            assert_structure(&s, attendees.len());
            check_lines(&s);
        }
    }

    #[test]
    fn folds_long_lines_on_char_boundaries() {
        let mut out = String::new();
        fold(&format!("SUMMARY:{}", "é".repeat(100)), &mut out);
        for l in out.split("\r\n") {
            assert!(l.len() <= 75);
        }
    }
}
