//! Findings 2, 6 of issue 18 over HTTP: calendar injection, invisible and control characters,
//! e-mail validation, strict RFC 3339 with ordering, `Cache-Control: no-store` on API answers,
//! and the `Host` check against DNS rebinding. SQLite always, PostgreSQL when
//! `SCOUT_TEST_DATABASE_URL` is set.

mod common;

use common::*;
use scout_pipeline::Role;
use scout_server::ServerConfig;
use serde_json::{Value, json};

async fn candidate(c: &Client, name: &str) -> i64 {
    let r = c.post("/api/candidates", &json!({"name": name})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["candidate"]["id"].as_i64().expect("id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attendee_cannot_inject_calendar_lines() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let owner = env.client(Role::Owner);
        let id = candidate(&owner, "Ada").await;
        let evil = "x@example.org\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nURL:http://evil.example";
        let meeting = |attendee: &str| {
            json!({"title": "Call", "starts_at": "2026-06-01T10:00:00Z", "duration_minutes": 30,
                   "attendees": [attendee]})
        };
        // Refused at the door…
        let r = owner
            .post(&format!("/api/candidates/{id}/meetings"), &meeting(evil))
            .await;
        assert_eq!(r.status, 422, "{}", r.text());
        // …and stored data written before the check cannot break the calendar either.
        let r = owner
            .post(
                &format!("/api/candidates/{id}/meetings"),
                &meeting("ok@example.org"),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        sqlx::query("UPDATE meetings SET attendees = $1, place = $2")
            .bind(
                serde_json::to_string(&[evil, "Eve\"; ROLE=CHAIR:mailto:eve@evil.example"])
                    .expect("json"),
            )
            .bind("Room\r\nURL:http://evil.example")
            .execute(env.store.db().pool())
            .await
            .expect("old data");
        let ics = owner
            .get(&format!("/api/candidates/{id}/meetings.ics"))
            .await;
        assert_eq!(ics.status, 200);
        let text = ics.text();
        let unfolded = text.replace("\r\n ", "");
        let lines: Vec<&str> = unfolded.split("\r\n").collect();
        assert_eq!(
            lines.iter().filter(|l| **l == "BEGIN:VEVENT").count(),
            1,
            "{text}"
        );
        assert!(!lines.iter().any(|l| l.starts_with("URL")), "{text}");
        let attendees: Vec<&&str> = lines.iter().filter(|l| l.starts_with("ATTENDEE")).collect();
        assert_eq!(attendees.len(), 2, "{text}");
        for a in attendees {
            // One quoted CN (no quote inside), then the URI: no smuggled parameter or address.
            let rest = a.strip_prefix("ATTENDEE;CN=\"").expect("CN");
            let (cn, uri) = rest.split_once('"').expect("closing quote");
            assert!(!cn.contains('"'), "{a}");
            assert_eq!(uri, ":invalid:nomail", "{a}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invisible_characters_and_bad_emails_are_refused() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let owner = env.client(Role::Owner);
        for body in [
            json!({"name": "Ada\u{0}Lovelace"}),
            json!({"name": "Ada \u{202E}ecalevoL"}),
            json!({"name": "Ada\u{200B}"}),
            json!({"name": "Ada", "email": "ada"}),
            json!({"name": "Ada", "email": "ada@example"}),
            json!({"name": "Ada", "email": "ada@exa mple.org"}),
            json!({"name": "Ada", "email": "ada\u{2066}@example.org"}),
        ] {
            let r = owner.post("/api/candidates", &body).await;
            assert_eq!(r.status, 422, "{body}: {}", r.text());
        }
        let id = candidate(&owner, "Ada Lovelace").await;
        let r = owner
            .post(
                &format!("/api/candidates/{id}/notes"),
                &json!({"body": "fine\r\nline two\tok"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        assert_eq!(r.json()["note"]["body"], "fine\nline two\tok");
        let r = owner
            .post(
                &format!("/api/candidates/{id}/notes"),
                &json!({"body": "hidden \u{2067}text"}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.text());
        let r = owner
            .patch(
                &format!("/api/candidates/{id}"),
                &json!({"email": "not an address"}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.text());
        let r = owner
            .patch(
                &format!("/api/candidates/{id}"),
                &json!({"email": "ada@example.org"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn times_are_strict_and_in_order() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let owner = env.client(Role::Owner);
        let id = candidate(&owner, "Ada").await;
        let base = format!("/api/candidates/{id}/messages");
        for sent in ["2026-05-01T10:00:00+25:00", "2016-12-31T23:59:60Z"] {
            let r = owner
                .post(
                    &base,
                    &json!({"channel": "email", "body": "hi", "sent_at": sent}),
                )
                .await;
            assert_eq!(r.status, 422, "{sent}: {}", r.text());
        }
        let r = owner
            .post(
                &base,
                &json!({"channel": "email", "body": "hi", "sent_at": "2026-05-01T10:00:00Z"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let mid = r.json()["message"]["id"].as_i64().expect("id");
        let r = owner
            .patch(
                &format!("{base}/{mid}"),
                &json!({"reply": "yes", "replied_at": "2026-04-30T10:00:00Z"}),
            )
            .await;
        assert_eq!(r.status, 422, "a reply before the message: {}", r.text());
        let r = owner
            .patch(
                &format!("{base}/{mid}"),
                &json!({"reply": "yes", "replied_at": "2026-05-01T11:00:00+01:00"}),
            )
            .await;
        assert_eq!(r.status, 200, "same instant is in order: {}", r.text());
        // Data stored out of order before the check still loads.
        sqlx::query("UPDATE messages SET replied_at = sent_at - 1000")
            .execute(env.store.db().pool())
            .await
            .expect("old data");
        let r = owner.get(&base).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_answers_are_not_stored_and_foreign_hosts_are_refused() {
    let env = start(
        &Backend::Sqlite,
        ServerConfig {
            allowed_hosts: vec!["scout.example.org".into()],
            ..ServerConfig::default()
        },
    )
    .await;
    let owner = env.client(Role::Owner);
    let id = candidate(&owner, "Ada").await;
    for path in [
        "/api/me".to_string(),
        format!("/api/candidates/{id}"),
        format!("/api/candidates/{id}/offers"),
        "/api/analytics".into(),
        "/api/no-such-route".into(),
    ] {
        let r = owner.get(&path).await;
        assert_eq!(r.header("cache-control"), Some("no-store"), "{path}");
    }
    let (r, _) = Client::login(env.addr, "olive", PASSWORD).await;
    assert_eq!(r.header("cache-control"), Some("no-store"));

    // Each request carries exactly one `Host` header (hyper refuses two).
    for (host, status) in [
        ("localhost:8080", 200),
        ("127.0.0.1", 200),
        ("[::1]:8080", 200),
        ("scout.example.org", 200),
        ("evil.example:8080", 421),
        ("localhost.evil.example", 421),
    ] {
        let r = only_host(env.addr, host, &env.token(Role::Owner)).await;
        assert_eq!(r.status, status, "{host}: {}", r.text());
        if status == 421 {
            assert_eq!(r.code(), "host_not_allowed");
        }
    }
    let v: Value = owner.get("/api/me").await.json();
    assert!(v["user"].is_object());
}

/// A GET of `/api/me` whose only `Host` header is `host`.
async fn only_host(addr: std::net::SocketAddr, host: &str, token: &str) -> Resp {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!(
        "GET /api/me HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    parse(&buf)
}

fn parse(buf: &[u8]) -> Resp {
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").expect("head");
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Resp {
        status,
        headers,
        body: buf[split + 4..].to_vec(),
    }
}
