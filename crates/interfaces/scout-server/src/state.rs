//! What every handler shares: the pipeline store, the settings, the login rate limiter and the
//! webhook delivery worker's handle.

use std::sync::Arc;

use scout_pipeline::Store;

use crate::config::ServerConfig;
use crate::limiter::RateLimiter;
use crate::webhooks::Webhooks;

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub config: Arc<ServerConfig>,
    pub limiter: Arc<RateLimiter>,
    /// An argon2 hash of a random password, verified against for unknown user names.
    pub dummy_hash: Arc<String>,
    /// Wakes the webhook delivery worker (after alerts are recorded) and sends test pings.
    pub webhooks: Webhooks,
}

impl AppState {
    pub fn new(store: Arc<Store>, config: ServerConfig) -> Result<AppState, scout_pipeline::Error> {
        let dummy = scout_pipeline::secret::random_token("")?;
        let limiter = RateLimiter::new(store.clone(), &config);
        let webhooks = Webhooks::new(&config.webhooks);
        Ok(AppState {
            webhooks,
            store,
            limiter: Arc::new(limiter),
            config: Arc::new(config),
            dummy_hash: Arc::new(scout_pipeline::secret::hash_password(&dummy)?),
        })
    }
}
