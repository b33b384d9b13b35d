//! `scout-server`: the pipeline API alone (the same server as `scout serve`), for tests and
//! deployments without the corpus tools. Usage:
//! `scout-server --database-url URL [--addr 127.0.0.1:8080]`. Prints `listening on ADDR`.

use std::sync::Arc;

use scout_pipeline::{Store, StoreConfig};
use scout_server::{AppState, ServerConfig};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = arg(&args, "--database-url").ok_or("--database-url is required")?;
    let addr = arg(&args, "--addr").unwrap_or_else(|| "127.0.0.1:8080".into());
    let store = Arc::new(Store::open(&StoreConfig::new(url)).await?);
    let state = AppState::new(store, ServerConfig::default())?;
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on {}", listener.local_addr()?);
    scout_server::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
