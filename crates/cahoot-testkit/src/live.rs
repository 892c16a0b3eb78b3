//! The server's live-store API, for tests that read what a running cluster wrote to Valkey. Tests reach
//! it through here so that a change of that API is adapted in one place.

pub use cahoot_server::live::valkey::ValkeyLiveStore;
pub use cahoot_server::live::{GameStore, LiveStore};

/// The live store of the cluster whose Valkey is at `url`.
pub async fn connect_valkey(url: &str) -> ValkeyLiveStore {
    ValkeyLiveStore::connect(url)
        .await
        .expect("connect to the cluster's redis-server")
}
