//! Opening the pipeline database (SQLite or PostgreSQL through sqlx's `Any` driver), its
//! migrations ([`migrate`]: sqlx's migrator, one per dialect), and write transactions (the
//! [`Dialect`] and [`WriteTx`] types are in `tx`, which the migrations and the store import).
//!
//! SQLite: WAL with `synchronous=FULL`, so a commit is on disk (WAL fsynced) before it is
//! acknowledged — a kill -9 or a power cut loses no acknowledged write. (`NORMAL` would survive
//! a process kill but may lose the last commits on power loss.) Writes are serialised inside the
//! process and start with `BEGIN IMMEDIATE`, so they never fail with a lock upgrade; other
//! processes (a CLI next to the server) wait up to the busy timeout.
//!
//! PostgreSQL: ordinary transactions; the audit chain is appended under a table lock.

use std::time::Duration;

use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use tokio::sync::Mutex;

use crate::error::{Error, Result};

mod migrate;
mod tx;

pub use tx::{Dialect, WriteTx};

/// How to open the store.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `sqlite:/path/file.sqlite` or `postgres://…`.
    pub url: String,
    pub max_connections: u32,
    /// May a missing database (a missing SQLite file, a PostgreSQL database without the pipeline
    /// schema) be created? Only the commands that create data say yes (`serve`, `user add`);
    /// the others get [`Error::NoDatabase`].
    pub create: bool,
    /// The erasure ledger (`store::erasure`) [default: `<file>.erasures.jsonl` for SQLite; none
    /// for PostgreSQL unless set].
    pub erasure_ledger: Option<std::path::PathBuf>,
}

impl StoreConfig {
    /// A store that may be created (see [`StoreConfig::existing`]).
    pub fn new(url: impl Into<String>) -> Self {
        StoreConfig {
            url: url.into(),
            max_connections: 8,
            create: true,
            erasure_ledger: None,
        }
    }

    /// Only an existing pipeline database opens.
    pub fn existing(mut self) -> Self {
        self.create = false;
        self
    }

    /// The URL for a SQLite file path.
    pub fn sqlite_path(path: &std::path::Path) -> Self {
        StoreConfig::new(format!("sqlite://{}?mode=rwc", path.display()))
    }
}

/// The pipeline database: a pool plus the dialect.
pub struct Db {
    pub(crate) pool: AnyPool,
    pub(crate) dialect: Dialect,
    write_lock: Mutex<()>,
}

impl Db {
    /// Connects and applies pending migrations.
    pub async fn open(config: &StoreConfig) -> Result<Db> {
        install_default_drivers();
        let url = config.url.as_str();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Dialect::Postgres
        } else {
            return Err(Error::BadUrl(url.to_string()));
        };
        let mut opts = AnyPoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(30));
        if dialect == Dialect::Sqlite {
            opts = opts.after_connect(|conn, _meta| {
                Box::pin(async move {
                    sqlx::raw_sql(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                         PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                         PRAGMA secure_delete = ON;",
                    )
                    .execute(conn)
                    .await?;
                    Ok(())
                })
            });
        }
        if dialect == Dialect::Sqlite
            && let Some(path) = sqlite_file(url)
        {
            preflight_sqlite(url, &path, config.create).await?;
        }
        let pool = opts.connect(url).await.map_err(|e| Error::Unusable {
            db: redact(url),
            reason: e.to_string(),
        })?;
        if !config.create && !has_schema(&pool, dialect).await? {
            return Err(Error::NoDatabase {
                db: redact(url),
                hint: "the database has no pipeline schema; `scout serve` or `scout user add` \
                       creates a new workspace"
                    .into(),
            });
        }
        let db = Db {
            pool,
            dialect,
            write_lock: Mutex::new(()),
        };
        db.migrate(url).await?;
        Ok(db)
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The pool, for tests and tools that need raw access (e.g. tamper tests).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Runs one statement outside a transaction while holding the write lock (maintenance such
    /// as `VACUUM`, which cannot run inside one).
    pub async fn exclusive(&self, sql: &'static str) -> Result<()> {
        let _guard = self.write_lock.lock().await;
        sqlx::raw_sql(sql).execute(&self.pool).await?;
        Ok(())
    }

    /// Starts a write transaction.
    pub async fn begin_write(&self) -> Result<WriteTx<'_>> {
        match self.dialect {
            Dialect::Sqlite => {
                let guard = self.write_lock.lock().await;
                let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
                Ok(WriteTx::new(tx, self.dialect, Some(guard)))
            }
            Dialect::Postgres => Ok(WriteTx::new(self.pool.begin().await?, self.dialect, None)),
        }
    }

    /// Applies the pending migrations (taking over the earlier runner's record), in one write
    /// transaction: see [`migrate`].
    async fn migrate(&self, url: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        migrate::run(&mut tx, &redact(url)).await?;
        tx.commit().await
    }

    /// The newest migration version known to this build.
    pub fn schema_version() -> i64 {
        migrate::latest_version()
    }

    /// Writes a consistent copy of a SQLite database to `out` (`VACUUM INTO`, safe while
    /// the server runs). Fails for PostgreSQL (use `pg_dump`).
    pub async fn backup_to(&self, out: &std::path::Path) -> Result<()> {
        if self.dialect != Dialect::Sqlite {
            return Err(Error::Invalid(
                "online backup is for SQLite; use pg_dump for PostgreSQL".into(),
            ));
        }
        if out.exists() {
            return Err(Error::Invalid(format!("{} already exists", out.display())));
        }
        let path = out
            .to_str()
            .ok_or_else(|| Error::Invalid("backup path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The file of a SQLite URL (`sqlite:PATH`, `sqlite://PATH?…`); `None` for in-memory ones.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" || query.contains("mode=memory") {
        return None;
    }
    Some(std::path::PathBuf::from(path))
}

/// A URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

/// The SQLite header every database file starts with.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Checks a SQLite file before the pool opens it, so a missing, empty, damaged or foreign file
/// is one immediate error naming the file and the cause (rather than a pool that retries its
/// connection setup until it times out).
async fn preflight_sqlite(url: &str, path: &std::path::Path, create: bool) -> Result<()> {
    use sqlx::Connection as _;
    let db = path.display().to_string();
    let unusable = |reason: String| Error::Unusable {
        db: db.clone(),
        reason,
    };
    let meta = match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return if create {
                Ok(())
            } else {
                Err(Error::NoDatabase {
                    db: db.clone(),
                    hint: "the file does not exist; `scout serve` or `scout user add` creates a \
                           new workspace"
                        .into(),
                })
            };
        }
        Err(e) => return Err(unusable(format!("cannot read it ({e})"))),
        Ok(m) => m,
    };
    if meta.len() == 0 {
        return Err(unusable(
            "the file is empty (0 bytes), not a database — a truncated copy? Restore a backup, \
             or remove the file to start a new workspace"
                .into(),
        ));
    }
    let mut head = [0u8; 16];
    {
        use std::io::Read as _;
        let mut f =
            std::fs::File::open(path).map_err(|e| unusable(format!("cannot read it ({e})")))?;
        let n = f
            .read(&mut head)
            .map_err(|e| unusable(format!("cannot read it ({e})")))?;
        if n < head.len() || &head != SQLITE_HEADER {
            return Err(unusable(
                "not a SQLite database (the file does not start with the SQLite header)".into(),
            ));
        }
    }
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .map_err(|e| unusable(e.to_string()))?;
    let check: Vec<String> = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_all(&mut conn)
        .await
        .map_err(|e| unusable(format!("damaged: {e}")))?;
    if check.first().map(String::as_str) != Some("ok") {
        return Err(unusable(format!(
            "damaged: {}",
            check.into_iter().take(3).collect::<Vec<_>>().join("; ")
        )));
    }
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|e| unusable(e.to_string()))?;
    let _ = conn.close().await;
    let scout = |t: &String| t == "_sqlx_migrations" || t == migrate::LEGACY_TABLE;
    if !tables.is_empty() && !tables.iter().any(scout) {
        return Err(unusable(format!(
            "a SQLite database of something else (tables {}{}) — the corpus?",
            tables
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            if tables.len() > 5 { ", …" } else { "" }
        )));
    }
    Ok(())
}

/// Whether the pipeline's migration record exists (sqlx's, or the earlier runner's). One
/// statement, so a takeover committing meanwhile (which swaps the tables) is seen whole.
async fn has_schema(pool: &AnyPool, dialect: Dialect) -> Result<bool> {
    let sql = match dialect {
        Dialect::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ($1, $2)"
        }
        Dialect::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name IN ($1, $2) \
             AND table_schema = current_schema()"
        }
    };
    let n: i64 = sqlx::query_scalar(sql)
        .bind("_sqlx_migrations")
        .bind(migrate::LEGACY_TABLE)
        .fetch_one(pool)
        .await?;
    Ok(n > 0)
}
