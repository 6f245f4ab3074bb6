//! The embedded SQLite store against the `Store` contract.

mod builds;
mod durability;
mod integrity;
mod local_forge;
mod pull_request_pages;
mod records;

use sluice::store::NewBuild;
use sluice::store::sqlite::SqliteStore;
use sluice_core::flow::{Outcome, Reason, status};
use sluice_core::model::{Asset, AssetLocation, Condition, LocationType};

/// A fresh in-memory store.
fn memory() -> SqliteStore {
    SqliteStore::open_in_memory().expect("in-memory store opens")
}

/// The conditions the core makes of an outcome for `reason`.
fn conditions(reason: Reason) -> Vec<Condition> {
    let outcome = Outcome::new(reason, format!("{reason} happened"));
    status::conditions(&[], &outcome, None, "2026-03-01T10:00:00Z")
}

/// A build of `repository` with two assets, explicitly on `channels`.
fn new_build(repository: &str, number: &str, channels: &[&str]) -> NewBuild {
    NewBuild {
        repository: repository.to_string(),
        branch: "main".to_string(),
        commit: format!("{:0>40}", number.replace('.', "")),
        build_number: number.to_string(),
        produced_at: "2026-03-01T10:00:00Z".to_string(),
        assets: vec![
            Asset {
                name: "Contoso.Runtime".to_string(),
                version: format!("9.0.0-{number}"),
                non_shipping: false,
                locations: vec![AssetLocation {
                    location: "https://pkgs.example.com/feed/index.json".to_string(),
                    type_: LocationType::NugetFeed,
                }],
            },
            Asset {
                name: "Contoso.Build.Tasks".to_string(),
                version: format!("9.0.0-{number}"),
                non_shipping: true,
                locations: vec![],
            },
        ],
        channels: channels.iter().map(|c| c.to_string()).collect(),
    }
}

const RUNTIME: &str = "https://github.com/contoso/runtime";
