//! iCalendar (RFC 5545) rendering of meetings: UTC times, escaped text, folded lines, CRLF.

use crate::model::Meeting;
use crate::time::{ics_utc, now_ms};

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

/// A VCALENDAR with one VEVENT per meeting. `host` makes UIDs globally unique.
pub fn render(meetings: &[Meeting], candidate_name: &str, host: &str) -> String {
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
    for m in meetings {
        let end = m.starts_at + m.duration_minutes * 60_000;
        fold("BEGIN:VEVENT", &mut out);
        fold(&format!("UID:meeting-{}@{}", m.id, escape(host)), &mut out);
        fold(&format!("DTSTAMP:{stamp}"), &mut out);
        fold(&format!("DTSTART:{}", ics_utc(m.starts_at)), &mut out);
        fold(&format!("DTEND:{}", ics_utc(end)), &mut out);
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
            if a.contains('@') && !a.contains(char::is_whitespace) {
                fold(
                    &format!("ATTENDEE;CN=\"{}\":mailto:{}", a.replace('"', "'"), a),
                    &mut out,
                );
            } else {
                fold(
                    &format!("ATTENDEE;CN=\"{}\":invalid:nomail", a.replace('"', "'")),
                    &mut out,
                );
            }
        }
        fold("END:VEVENT", &mut out);
    }
    fold("END:VCALENDAR", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_valid_lines() {
        let m = Meeting {
            id: 3,
            candidate_id: 1,
            title: "Lunch; research chat, with the team".into(),
            starts_at: crate::time::parse_rfc3339("2026-05-01T12:00:00+02:00").expect("time"),
            duration_minutes: 90,
            place: Some("Café Zürich, Room 4".into()),
            attendees: vec!["ann@example.org".into(), "Bob Smith".into()],
            created_by: "ann".into(),
            created_at: 0,
        };
        let s = render(&[m], "Ada", "scout.local");
        assert!(s.contains("DTSTART:20260501T100000Z\r\n"));
        assert!(s.contains("DTEND:20260501T113000Z\r\n"));
        assert!(s.contains("SUMMARY:Lunch\\; research chat\\, with the team\r\n"));
        assert!(s.contains("ATTENDEE;CN=\"ann@example.org\":mailto:ann@example.org"));
        for line in s.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        assert!(s.ends_with("END:VCALENDAR\r\n"));
        assert!(!s.replace("\r\n", "").contains('\n'));
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
