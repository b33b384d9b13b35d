//! The login rate limiter over real HTTP, on SQLite always and on PostgreSQL when
//! `SCOUT_TEST_DATABASE_URL` is set: its counts survive a server restart on the same database
//! and are shared by two servers on one database.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use scout_pipeline::{Store, StoreConfig};
use scout_server::ServerConfig;

fn config() -> ServerConfig {
    ServerConfig {
        login_max_failures: 3,
        login_window: Duration::from_secs(60),
        ..Default::default()
    }
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
            // The address is blocked for other names too, on both.
            let (r, _) = Client::login(addr, "vera", PASSWORD).await;
            assert_limited(&r, &format!("[{}] server {name}, vera", a.backend_name()));
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
        // The name's failures are gone; the address keeps its two.
        assert_eq!(env.store.login_failure_rows().await.expect("rows"), 2);
        let (r, _) = Client::login(env.addr, "rick", "wrong password!").await;
        assert_eq!(r.status, 401);
        let (r, _) = Client::login(env.addr, "rick", PASSWORD).await;
        assert_limited(&r, "third failure from the address");
    }
}
