//! What the store's integration tests share: a fresh PostgreSQL database per test run.

use scout_pipeline::{Store, StoreConfig};

/// A store on a new database `PREFIX_<pid>_<ms>` of the server `SCOUT_TEST_DATABASE_URL` names,
/// migrated; `None` (the PostgreSQL run skipped, said on stderr) when that variable is not set.
pub async fn fresh_postgres_store(prefix: &str) -> Option<Store> {
    let Ok(url) = std::env::var("SCOUT_TEST_DATABASE_URL") else {
        eprintln!("SCOUT_TEST_DATABASE_URL not set: PostgreSQL run skipped");
        return None;
    };
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
    let name = format!(
        "{prefix}_{}_{}",
        std::process::id(),
        scout_pipeline::time::now_ms()
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create db");
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    Some(
        Store::open(&StoreConfig::new(format!("{base}/{name}")))
            .await
            .expect("open"),
    )
}
