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
    /// Largest data file owners may upload for ingest from the web UI, in MB
    #[arg(long, default_value_t = 1000)]
    pub max_upload_mb: u64,
    /// Where ingest uploads and exports are kept while their jobs are listed [default: <db>.jobs/]
    #[arg(long)]
    pub jobs_dir: Option<std::path::PathBuf>,
    /// Address of a reverse proxy whose X-Forwarded-For names the client (for the login limiter;
    /// repeat for several). From any other peer the header is ignored.
    #[arg(long = "trusted-proxy", value_name = "IP")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A host name this server answers for besides IP addresses and localhost (the name a
    /// reverse proxy forwards in `Host`; repeat for several). Others get 421 (DNS rebinding).
    #[arg(long = "allowed-host", value_name = "NAME")]
    pub allowed_hosts: Vec<String>,
    /// Let owners register webhooks on loopback addresses (127.0.0.0/8, ::1, localhost), e.g. a
    /// receiver on this machine. Private, link-local and other internal addresses stay refused.
    #[arg(long)]
    pub allow_loopback_webhooks: bool,
    /// Print the API's OpenAPI document (JSON) and exit, without opening any database
    #[arg(long)]
    pub openapi: bool,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    if args.openapi {
        let document = scout_server::openapi::document(scout_server::routes::ROUTES);
        println!("{}", serde_json::to_string_pretty(&document)?);
        return Ok(0);
    }
    let url = pipeline::url(ctx, &args.db)?;
    // The corpus is written by ingest jobs; the pipeline (with its audit chain) must be
    // another database so those writes never share its transactions.
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let path = std::path::Path::new(path.split('?').next().unwrap_or(path));
        let same = match (path.canonicalize(), ctx.db.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => path == ctx.db,
        };
        anyhow::ensure!(
            !same,
            "the pipeline database must not be the corpus file {}",
            ctx.db.display()
        );
    }
    let rt = pipeline::runtime()?;
    rt.block_on(async {
        let store = Arc::new(pipeline::open(&url, true, pipeline::ledger(ctx, &args.db, &url)).await?);
        if store.user_count().await? == 0 {
            eprintln!("note: no users yet — create the first owner with `scout user add NAME --role owner`");
        }
        let config = ServerConfig {
            session_ttl: Duration::from_secs(args.session_minutes.max(1) * 60),
            secure_cookies: args.secure_cookies,
            // Also when it does not exist yet: an owner can create it by uploading a file.
            corpus: Some(ctx.db.clone()),
            jobs_dir: args.jobs_dir.clone(),
            max_upload_bytes: args.max_upload_mb.max(1).saturating_mul(1_000_000),
            trusted_proxies: args.trusted_proxies.clone(),
            allowed_hosts: args.allowed_hosts.clone(),
            webhooks: scout_server::webhooks::WebhookConfig {
                allow_loopback: args.allow_loopback_webhooks,
                ..Default::default()
            },
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
