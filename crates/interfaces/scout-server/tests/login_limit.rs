//! The login rate limiter over real HTTP, on SQLite always and on PostgreSQL when
//! `SCOUT_TEST_DATABASE_URL` is set: its counts survive a server restart on the same database
//! and are shared by two servers on one database; one client cannot lock out others (per pair
//! and per client, the client taken from `X-Forwarded-For` only behind a trusted proxy); the
//! per-account and global ceilings slow down and never block.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use scout_pipeline::{Store, StoreConfig};
use scout_server::ServerConfig;

fn config() -> ServerConfig {
    ServerConfig {
        login_max_failures: 3,
        login_max_failures_per_client: 5,
        login_window: Duration::from_secs(60),
        ..Default::default()
    }
}

/// `config()` behind a reverse proxy on 127.0.0.1 (where the tests connect from).
fn behind_proxy() -> ServerConfig {
    ServerConfig {
        trusted_proxies: vec!["127.0.0.1".parse().expect("ip")],
        ..config()
    }
}

/// A login through the proxy for client `from`; returns the response and how long it took.
async fn login_from(env: &Env, from: &str, name: &str, password: &str) -> (Resp, Duration) {
    let started = std::time::Instant::now();
    let body = serde_json::json!({"name": name, "password": password}).to_string();
    let r = env
        .anon()
        .send(
            "POST",
            "/api/login",
            Some(body.as_bytes()),
            &[("X-Forwarded-For", &format!("203.0.113.250, {from}"))],
        )
        .await;
    (r, started.elapsed())
}

/// A 429 with a Retry-After of at most the window.
fn assert_limited(r: &Resp, what: &str) {
    assert_eq!(r.status, 429, "{what}: {}", r.text());
    assert_eq!(r.code(), "rate_limited", "{what}");
    let wait: u64 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{what}: no Retry-After"));
    assert!((1..=60).contains(&wait), "{what}: Retry-After {wait}");
}

async fn second_server(env: &Env) -> Env {
    let store = Arc::new(
        Store::open(&StoreConfig::new(env.url.clone()))
            .await
            .expect("open the same database"),
    );
    let dir = tempfile::tempdir().expect("dir");
    start_on(store, env.url.clone(), dir, env.users.clone(), config()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limit_holds_across_a_restart() {
    for backend in backends() {
        let mut env = start(&backend, config()).await;
        for _ in 0..3 {
            let (r, _) = Client::login(env.addr, "olive", "wrong password!").await;
            assert_eq!(r.status, 401, "{}", r.text());
        }
        let (r, _) = Client::login(env.addr, "olive", PASSWORD).await;
        assert_limited(&r, "before the restart");
        env.stop().await;
        env.store.db().close().await;
        let restarted = second_server(&env).await;
        let (r, _) = Client::login(restarted.addr, "olive", PASSWORD).await;
        assert_limited(&r, &format!("[{}] after the restart", env.backend_name()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_share_the_budget() {
    for backend in backends() {
        let a = start(&backend, config()).await;
        let b = second_server(&a).await;
        for addr in [a.addr, b.addr, a.addr] {
            let (r, _) = Client::login(addr, "olive", "wrong password!").await;
            assert_eq!(r.status, 401, "{}", r.text());
        }
        for (name, addr) in [("a", a.addr), ("b", b.addr)] {
            let (r, _) = Client::login(addr, "olive", PASSWORD).await;
            assert_limited(&r, &format!("[{}] server {name}", a.backend_name()));
            // Another name from the same address is not locked out by olive's failures.
            let (r, _) = Client::login(addr, "vera", PASSWORD).await;
            assert_eq!(r.status, 200, "[{}] server {name}, vera", a.backend_name());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_success_clears_the_name_and_stays_under_the_limit() {
    for backend in backends() {
        let env = start(&backend, config()).await;
        for _ in 0..2 {
            let (r, _) = Client::login(env.addr, "rick", "wrong password!").await;
            assert_eq!(r.status, 401);
        }
        let (r, _) = Client::login(env.addr, "rick", PASSWORD).await;
        assert_eq!(r.status, 200, "{}", r.text());
        // The pair's and the name's failures are gone; the address and the server keep theirs.
        assert_eq!(env.store.login_failure_rows().await.expect("rows"), 4);
        for _ in 0..2 {
            let (r, _) = Client::login(env.addr, "rick", "wrong password!").await;
            assert_eq!(r.status, 401);
        }
        let (r, _) = Client::login(env.addr, "rick", PASSWORD).await;
        assert_eq!(
            r.status, 200,
            "two new failures stay under the pair's limit"
        );
        // The address's own limit (5 failures, any names) still counts the first two: with
        // those four, one more failure under another name reaches it.
        let (r, _) = Client::login(env.addr, "nobody", "wrong password!").await;
        assert_eq!(r.status, 401);
        let (r, _) = Client::login(env.addr, "vera", PASSWORD).await;
        assert_limited(&r, "fifth failure from the address, any name");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_cannot_lock_out_other_clients_behind_the_proxy() {
    for backend in backends() {
        let env = start(&backend, behind_proxy()).await;
        let tag = env.backend_name();
        for _ in 0..3 {
            let (r, _) = login_from(&env, "198.51.100.1", "olive", "wrong password!").await;
            assert_eq!(r.status, 401, "[{tag}] {}", r.text());
        }
        let (r, _) = login_from(&env, "198.51.100.1", "olive", PASSWORD).await;
        assert_limited(&r, &format!("[{tag}] olive from the guessing client"));
        let (r, _) = login_from(&env, "198.51.100.2", "olive", PASSWORD).await;
        assert_eq!(r.status, 200, "[{tag}] olive from elsewhere: {}", r.text());
        // The guessing client sprays other names until its own limit blocks it everywhere.
        for name in ["vera", "rick"] {
            let (r, _) = login_from(&env, "198.51.100.1", name, "wrong password!").await;
            assert_eq!(r.status, 401, "[{tag}] {name}");
        }
        let (r, _) = login_from(&env, "198.51.100.1", "vera", PASSWORD).await;
        assert_limited(&r, &format!("[{tag}] the client after five failures"));
        for name in ["vera", "rick"] {
            let (r, _) = login_from(&env, "198.51.100.3", name, PASSWORD).await;
            assert_eq!(r.status, 200, "[{tag}] {name} from another client");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_forwarded_for_from_an_untrusted_peer_is_ignored() {
    for backend in backends() {
        let env = start(&backend, config()).await;
        for i in 0..3 {
            let (r, _) = login_from(&env, &format!("192.0.2.{i}"), "olive", "wrong!").await;
            assert_eq!(r.status, 401);
        }
        // A fourth forged address does not make a new client: the peer is the client.
        let (r, _) = login_from(&env, "192.0.2.99", "olive", PASSWORD).await;
        assert_limited(&r, "forged X-Forwarded-For");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_and_global_ceilings_slow_down_and_never_block() {
    for backend in backends() {
        let env = start(
            &backend,
            ServerConfig {
                login_max_failures_per_account: 2,
                login_global_ceiling: 4,
                login_slow_delay: Duration::from_millis(1200),
                ..behind_proxy()
            },
        )
        .await;
        let tag = env.backend_name();
        // Two failures for olive from two clients: olive's attempts are slowed, not refused.
        for from in ["198.51.100.11", "198.51.100.12"] {
            let (r, _) = login_from(&env, from, "olive", "wrong password!").await;
            assert_eq!(r.status, 401);
        }
        let (r, took) = login_from(&env, "198.51.100.13", "olive", PASSWORD).await;
        assert_eq!(r.status, 200, "[{tag}] {}", r.text());
        assert!(
            took >= Duration::from_millis(1200),
            "[{tag}] olive not slowed: {took:?}"
        );
        // Olive's success cleared her name; vera is not slowed yet.
        let (r, took) = login_from(&env, "198.51.100.14", "vera", PASSWORD).await;
        assert_eq!(r.status, 200);
        assert!(
            took < Duration::from_millis(1200),
            "[{tag}] vera slowed early: {took:?}"
        );
        // Two more failures anywhere reach the global ceiling of 4: everyone is slowed, and
        // failures past it still answer 401, never 429.
        for (from, name) in [("198.51.100.21", "rick"), ("198.51.100.22", "nobody")] {
            let (r, _) = login_from(&env, from, name, "wrong password!").await;
            assert_eq!(r.status, 401);
        }
        let (r, took) = login_from(&env, "198.51.100.23", "ghost", "wrong password!").await;
        assert_eq!(r.status, 401, "[{tag}] past the ceiling: {}", r.text());
        assert!(took >= Duration::from_millis(1200), "[{tag}] {took:?}");
        let (r, took) = login_from(&env, "198.51.100.24", "vera", PASSWORD).await;
        assert_eq!(r.status, 200, "[{tag}]");
        assert!(
            took >= Duration::from_millis(1200),
            "[{tag}] vera not slowed: {took:?}"
        );
    }
}
