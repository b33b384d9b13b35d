//! `scout serve`: the pipeline HTTP API (and the web UI) on a local address.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use scout_server::{AppState, ServerConfig};

use super::Context;
use super::pipeline::{self, DbArgs};

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    #[command(flatten)]
    pub db: DbArgs,
    /// Session lifetime in minutes
    #[arg(long, default_value_t = 480)]
    pub session_minutes: u64,
    /// Mark the session cookie `Secure` (when served over HTTPS, e.g. behind a proxy)
    #[arg(long)]
    pub secure_cookies: bool,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let url = pipeline::url(ctx, &args.db)?;
    let rt = pipeline::runtime()?;
    rt.block_on(async {
        let store = Arc::new(pipeline::open(&url).await?);
        if store.user_count().await? == 0 {
            eprintln!("note: no users yet — create the first owner with `scout user add NAME --role owner`");
        }
        let config = ServerConfig {
            session_ttl: Duration::from_secs(args.session_minutes.max(1) * 60),
            secure_cookies: args.secure_cookies,
            corpus: ctx.db.exists().then(|| ctx.db.clone()),
            ..ServerConfig::default()
        };
        let state = AppState::new(store, config)?;
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .with_context(|| format!("listening on {}", args.addr))?;
        eprintln!(
            "scout serve: http://{} (pipeline database {})",
            listener.local_addr()?,
            pipeline::redact(&url)
        );
        scout_server::serve(listener, state, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving")?;
        anyhow::Ok(())
    })?;
    Ok(0)
}
