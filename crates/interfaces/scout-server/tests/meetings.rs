//! Meetings in time zones over real HTTP (SQLite always, PostgreSQL when
//! `SCOUT_TEST_DATABASE_URL` is set): wall times and instants, the DST gap and overlap,
//! unknown zones, and the `.ics` export read back by an independent VTIMEZONE interpreter
//! written here from RFC 5545 (not jiff), which must land every event on the instant the
//! server stored.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use scout_pipeline::Role;
use scout_pipeline::time::parse_rfc3339;
use scout_server::ServerConfig;
use serde_json::{Value, json};

/// One STANDARD/DAYLIGHT onset: the UTC instant it starts at and the offset it sets.
#[derive(Debug, Clone, Copy)]
struct Onset {
    utc: i64,
    to: i64,
}

/// `+0100` / `-0530` / `+003408` → seconds.
fn offset_seconds(s: &str) -> i64 {
    let sign = if s.starts_with('-') { -1 } else { 1 };
    let d = &s[1..];
    let h: i64 = d[0..2].parse().expect("hours");
    let m: i64 = d[2..4].parse().expect("minutes");
    let sec: i64 = d.get(4..6).map_or(0, |x| x.parse().expect("seconds"));
    sign * (h * 3600 + m * 60 + sec)
}

/// `20260501T100000` read as if it were UTC: seconds on the local clock.
fn clock_seconds(s: &str) -> i64 {
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[9..11],
        &s[11..13],
        &s[13..15]
    );
    parse_rfc3339(&iso).expect("date-time") / 1000
}

/// RFC 5545 §3.3.5: a local time in a zone is the instant whose observance gives it that
/// offset; when two do (an overlap), the first.
fn resolve(onsets: &[Onset], local: i64) -> i64 {
    let offsets: BTreeSet<i64> = onsets.iter().map(|o| o.to).collect();
    offsets
        .iter()
        .filter_map(|&off| {
            let utc = local - off;
            let in_effect = onsets
                .iter()
                .filter(|o| o.utc <= utc)
                .max_by_key(|o| o.utc)?;
            (in_effect.to == off).then_some(utc)
        })
        .min()
        .unwrap_or_else(|| panic!("local time {local} falls in no observance: {onsets:?}"))
}

/// Unfolded content lines.
fn lines(ics: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in ics.split("\r\n") {
        if let Some(rest) = raw.strip_prefix(' ') {
            out.last_mut().expect("continuation").push_str(rest);
        } else if !raw.is_empty() {
            out.push(raw.to_string());
        }
    }
    out
}

/// TZID → onsets.
type Zones = BTreeMap<String, Vec<Onset>>;
/// UID → DTSTART and DTEND in Unix seconds.
type Events = BTreeMap<String, (i64, i64)>;

/// The calendar's VTIMEZONEs and events.
fn interpret(ics: &str) -> (Zones, Events) {
    let mut zones = Zones::new();
    let mut events = BTreeMap::new();
    let ls = lines(ics);
    // First pass: the zones (they may come before or after the events).
    let mut tzid = String::new();
    let mut obs: Option<(Vec<String>, i64, i64)> = None;
    for l in &ls {
        if let Some(id) = l.strip_prefix("TZID:") {
            tzid = id.to_string();
        } else if l == "BEGIN:STANDARD" || l == "BEGIN:DAYLIGHT" {
            obs = Some((Vec::new(), 0, 0));
        } else if l == "END:STANDARD" || l == "END:DAYLIGHT" {
            let (starts, from, to) = obs.take().expect("observance");
            assert!(!starts.is_empty(), "observance without DTSTART");
            for s in starts {
                zones.entry(tzid.clone()).or_default().push(Onset {
                    utc: clock_seconds(&s) - from,
                    to,
                });
            }
        } else if let Some((starts, from, to)) = obs.as_mut() {
            if let Some(v) = l
                .strip_prefix("DTSTART:")
                .or_else(|| l.strip_prefix("RDATE:"))
            {
                starts.extend(v.split(',').map(str::to_string));
            } else if let Some(v) = l.strip_prefix("TZOFFSETFROM:") {
                *from = offset_seconds(v);
            } else if let Some(v) = l.strip_prefix("TZOFFSETTO:") {
                *to = offset_seconds(v);
            }
        }
    }
    let time = |prop: &str| -> i64 {
        let (params, value) = prop.split_once(':').expect("value");
        if let Some(zone) = params.split(';').find_map(|p| p.strip_prefix("TZID=")) {
            assert!(!value.ends_with('Z'), "{prop}");
            let onsets = zones
                .get(zone)
                .unwrap_or_else(|| panic!("TZID {zone} has no VTIMEZONE"));
            resolve(onsets, clock_seconds(value))
        } else {
            assert!(value.ends_with('Z'), "floating time {prop}");
            clock_seconds(value)
        }
    };
    let (mut uid, mut start, mut end) = (String::new(), 0, 0);
    for l in &ls {
        if let Some(u) = l.strip_prefix("UID:") {
            uid = u.to_string();
        } else if l.starts_with("DTSTART") && !uid.is_empty() {
            start = time(l);
        } else if l.starts_with("DTEND") && !uid.is_empty() {
            end = time(l);
        } else if l == "END:VEVENT" {
            events.insert(std::mem::take(&mut uid), (start, end));
        }
    }
    (zones, events)
}

fn ms(s: &str) -> i64 {
    parse_rfc3339(s).expect("instant")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meetings_keep_their_zone_and_the_ics_lands_on_the_stored_instants() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let rick = env.client(Role::Recruiter);
        let c = rick
            .post("/api/candidates", &json!({"name": "Lin Wei"}))
            .await
            .json();
        let cid = c["candidate"]["id"].as_i64().expect("id");
        let url = format!("/api/candidates/{cid}/meetings");
        // (request, expected UTC start, expected local start, expected local end, zone)
        let accepted: Vec<(Value, &str, &str, &str, &str)> = vec![
            (
                json!({"starts_at": "2026-05-01T10:00", "time_zone": "Europe/Zurich", "duration_minutes": 60}),
                "2026-05-01T08:00:00Z",
                "2026-05-01T10:00:00+02:00",
                "2026-05-01T11:00:00+02:00",
                "Europe/Zurich",
            ),
            // Across the fall-back change: starts in summer time, ends in winter time.
            (
                json!({"starts_at": "2026-10-25T01:30", "time_zone": "Europe/Zurich", "duration_minutes": 120}),
                "2026-10-24T23:30:00Z",
                "2026-10-25T01:30:00+02:00",
                "2026-10-25T02:30:00+01:00",
                "Europe/Zurich",
            ),
            // Across the spring-forward change in New York.
            (
                json!({"starts_at": "2026-03-08T01:30", "time_zone": "America/New_York", "duration_minutes": 60}),
                "2026-03-08T06:30:00Z",
                "2026-03-08T01:30:00-05:00",
                "2026-03-08T03:30:00-04:00",
                "America/New_York",
            ),
            // A repeated hour: the earlier (daylight) one.
            (
                json!({"starts_at": "2026-11-01T01:30", "time_zone": "America/New_York", "duration_minutes": 30}),
                "2026-11-01T05:30:00Z",
                "2026-11-01T01:30:00-04:00",
                "2026-11-01T01:00:00-05:00",
                "America/New_York",
            ),
            // The later one, asked for with its offset.
            (
                json!({"starts_at": "2026-11-01T01:30:00-05:00", "time_zone": "America/New_York", "duration_minutes": 30}),
                "2026-11-01T06:30:00Z",
                "2026-11-01T01:30:00-05:00",
                "2026-11-01T02:00:00-05:00",
                "America/New_York",
            ),
            // An instant without a zone stays UTC (the API before time zones).
            (
                json!({"starts_at": "2026-05-01T10:00:00+02:00", "duration_minutes": 30}),
                "2026-05-01T08:00:00Z",
                "2026-05-01T08:00:00+00:00",
                "2026-05-01T08:30:00+00:00",
                "UTC",
            ),
            (
                json!({"starts_at": "2026-06-01T15:00:00", "time_zone": "Asia/Kolkata", "duration_minutes": 45}),
                "2026-06-01T09:30:00Z",
                "2026-06-01T15:00:00+05:30",
                "2026-06-01T15:45:00+05:30",
                "Asia/Kolkata",
            ),
            (
                json!({"starts_at": "2027-01-15T09:00", "time_zone": "europe/london", "duration_minutes": 30}),
                "2027-01-15T09:00:00Z",
                "2027-01-15T09:00:00+00:00",
                "2027-01-15T09:30:00+00:00",
                "Europe/London",
            ),
        ];
        let mut ids = Vec::new();
        for (mut body, utc, local, local_end, zone) in accepted {
            body["title"] = json!(format!("In {zone}"));
            let r = rick.post(&url, &body).await;
            assert_eq!(
                r.status,
                201,
                "[{}] {body}: {}",
                env.backend_name(),
                r.text()
            );
            let m = &r.json()["meeting"];
            assert_eq!(m["starts_at"], utc, "{body}");
            assert_eq!(m["starts_local"], local, "{body}");
            assert_eq!(m["ends_local"], local_end, "{body}");
            assert_eq!(m["time_zone"], zone, "{body}");
            ids.push(m["id"].as_i64().expect("id"));
        }
        let refused: Vec<(Value, u16, &str, &str)> = vec![
            (
                json!({"starts_at": "2026-03-29T02:30", "time_zone": "Europe/Zurich"}),
                422,
                "invalid_input",
                "does not exist in Europe/Zurich",
            ),
            (
                json!({"starts_at": "2026-05-01T10:00", "time_zone": "Europe/Atlantis"}),
                422,
                "invalid_input",
                "unknown time zone",
            ),
            (
                json!({"starts_at": "2026-05-01T10:00"}),
                422,
                "invalid_input",
                "time_zone",
            ),
            (
                json!({"starts_at": "2026-05-01T10:00", "time_zone": 2}),
                422,
                "invalid_json_data",
                "time_zone",
            ),
            (
                json!({"starts_at": "2026-05-01T10:00", "timezone": "Europe/Zurich"}),
                422,
                "invalid_json_data",
                "timezone",
            ),
        ];
        for (mut body, status, code, needle) in refused {
            body["title"] = json!("t");
            body["duration_minutes"] = json!(30);
            let r = rick.post(&url, &body).await;
            assert_eq!(
                (r.status, r.code().as_str()),
                (status, code),
                "{body}: {}",
                r.text()
            );
            let msg = r.json()["error"]["message"]
                .as_str()
                .unwrap_or("")
                .to_string();
            assert!(msg.contains(needle), "{body}: {msg}");
        }
        let listed = rick.get(&url).await.json();
        let listed = listed["meetings"].as_array().expect("meetings");
        assert_eq!(listed.len(), ids.len(), "refused requests wrote nothing");

        let ics = env
            .client(Role::Viewer)
            .get(&format!("/api/candidates/{cid}/meetings.ics"))
            .await;
        assert_eq!(ics.status, 200);
        let text = ics.text();
        let (zones, events) = interpret(&text);
        let used: BTreeSet<&str> = listed
            .iter()
            .filter_map(|m| m["time_zone"].as_str())
            .filter(|z| *z != "UTC")
            .collect();
        assert_eq!(
            zones.keys().map(String::as_str).collect::<BTreeSet<_>>(),
            used,
            "one VTIMEZONE per zone used"
        );
        assert_eq!(text.matches("BEGIN:VTIMEZONE").count(), used.len());
        assert!(
            text.contains("DTSTART;TZID=Europe/Zurich:20260501T100000\r\n"),
            "{text}"
        );
        // The second 02:30 in Zürich and the second 01:30 in New York cannot be TZID times
        // (RFC 5545 reads a repeated wall time as the first): they are written in UTC.
        assert!(text.contains("DTEND:20261025T013000Z\r\n"), "{text}");
        assert!(text.contains("DTSTART:20261101T063000Z\r\n"), "{text}");
        assert!(
            text.contains("DTSTART;TZID=America/New_York:20260308T013000\r\n"),
            "{text}"
        );
        assert!(
            text.contains("DTEND;TZID=America/New_York:20260308T033000\r\n"),
            "{text}"
        );
        assert!(text.contains("DTSTART:20260501T080000Z\r\n"), "{text}");
        assert_eq!(events.len(), ids.len());
        for m in listed {
            let uid = format!("meeting-{}@scout.local", m["id"]);
            let (s, e) = events[&uid];
            let want_s = ms(m["starts_at"].as_str().expect("starts_at")) / 1000;
            let want_e = ms(m["ends_at"].as_str().expect("ends_at")) / 1000;
            assert_eq!(
                (s, e),
                (want_s, want_e),
                "[{}] {uid} in {}",
                env.backend_name(),
                m["time_zone"]
            );
        }
    }
}

#[test]
fn the_interpreter_reads_a_hand_written_vtimezone() {
    // RFC 5545's own America/New_York example shape, with RDATEs instead of RRULEs.
    let ics = "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:NY\r\n\
        BEGIN:STANDARD\r\nDTSTART:20251102T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nRDATE:20261101T020000\r\nEND:STANDARD\r\n\
        BEGIN:DAYLIGHT\r\nDTSTART:20260308T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nEND:DAYLIGHT\r\n\
        END:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=NY:20261101T013000\r\nDTEND;TZID=NY:20260308T030000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let (_, events) = interpret(ics);
    let (s, e) = events["a"];
    assert_eq!(
        s,
        ms("2026-11-01T05:30:00Z") / 1000,
        "first of the repeated hour"
    );
    assert_eq!(e, ms("2026-03-08T07:00:00Z") / 1000);
    assert_eq!(offset_seconds("+003408"), 2048);
}
