//! Builds, their assets and channels, and the triggers a publication fires.

use rusqlite::{OptionalExtension, Transaction, params};
use sluice_core::flow::{BuildId, BuildInfo};
use sluice_core::model::{Asset, AssetLocation};

use super::{Fault, Result, codec, events, subscriptions};
use crate::store::{BuildQuery, EventKind, FlowEvent, NewBuild, StoreError};

/// How many builds a query without a limit returns.
const DEFAULT_LIMIT: u32 = 100;

/// Stores `build` on its channels plus `default_channels`, and fires `trigger`.
pub(super) fn publish(
    tx: &Transaction<'_>,
    build: &NewBuild,
    default_channels: &[String],
    trigger: &[String],
) -> Result<BuildInfo> {
    if let Some(existing) = find(tx, &build.repository, &build.commit, &build.build_number)? {
        return Err(Fault::Answer(StoreError::Conflict(format!(
            "build {} of {} at {} is already stored as build {}",
            build.build_number, build.repository, build.commit, existing.id
        ))));
    }
    let published_at = codec::now();
    tx.execute(
        "INSERT INTO builds (repository, repository_identity, branch, commit_sha, build_number, produced_at, published_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            build.repository,
            codec::identity(&build.repository),
            build.branch,
            build.commit,
            build.build_number,
            build.produced_at,
            published_at,
        ],
    )?;
    let id = tx.last_insert_rowid();
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO assets (build_id, ordinal, name, version, non_shipping, locations) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (ordinal, asset) in build.assets.iter().enumerate() {
            insert.execute(params![
                id,
                ordinal as i64,
                asset.name,
                asset.version,
                asset.non_shipping,
                codec::to_json(&asset.locations)?,
            ])?;
        }
    }
    let mut channels: Vec<&str> = Vec::new();
    for channel in build.channels.iter().chain(default_channels) {
        if !channels.contains(&channel.as_str()) {
            channels.push(channel);
        }
    }
    for channel in &channels {
        tx.execute(
            "INSERT INTO build_channels (build_id, channel) VALUES (?1, ?2)",
            params![id, channel],
        )?;
    }
    let on = if channels.is_empty() {
        "no channel".to_string()
    } else {
        format!("channel {}", channels.join(", "))
    };
    let short = build.commit.get(..12).unwrap_or(&build.commit);
    events::append(
        tx,
        &FlowEvent {
            seq: 0,
            at: published_at,
            kind: EventKind::BuildPublished,
            subscription: None,
            build: Some(id),
            pull_request: None,
            message: format!(
                "build {} of {} ({} at {short}) published to {on}",
                build.build_number, build.repository, build.branch
            ),
        },
    )?;
    fire(tx, id, &build.build_number, &on, trigger)?;
    load(tx, id)?
        .ok_or_else(|| Fault::Data(format!("build {id} vanished while it was being published")))
}

/// Adds a stored build to `channel` and fires `trigger`; false when it was already there.
pub(super) fn add_to_channel(
    tx: &Transaction<'_>,
    id: BuildId,
    channel: &str,
    trigger: &[String],
) -> Result<bool> {
    let build_number: Option<String> = tx
        .query_row(
            "SELECT build_number FROM builds WHERE id = ?1",
            [id],
            |row| row.get(0),
        )
        .optional()?;
    let Some(build_number) = build_number else {
        return Err(Fault::Answer(StoreError::NotFound {
            what: format!("build {id}"),
        }));
    };
    let added = tx.execute(
        "INSERT INTO build_channels (build_id, channel) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        params![id, channel],
    )? > 0;
    fire(
        tx,
        id,
        &build_number,
        &format!("channel {channel}"),
        trigger,
    )?;
    Ok(added)
}

/// Asks each of `trigger` to apply build `id`, and records a `Fired` event for each
/// subscription whose request moved to it.
fn fire(
    tx: &Transaction<'_>,
    id: BuildId,
    build_number: &str,
    on: &str,
    trigger: &[String],
) -> Result<()> {
    let mut seen: Vec<&str> = Vec::new();
    for name in trigger {
        if seen.contains(&name.as_str()) {
            continue;
        }
        seen.push(name);
        if subscriptions::request(tx, name, id)? {
            events::append(
                tx,
                &FlowEvent {
                    seq: 0,
                    at: codec::now(),
                    kind: EventKind::Fired,
                    subscription: Some(name.clone()),
                    build: Some(id),
                    pull_request: None,
                    message: format!(
                        "build {build_number} on {on} requested by subscription {name}"
                    ),
                },
            )?;
        }
    }
    Ok(())
}

/// The build of `repository` (by identity) at `commit` with `build_number`, if stored.
pub(super) fn find(
    tx: &Transaction<'_>,
    repository: &str,
    commit: &str,
    build_number: &str,
) -> Result<Option<BuildInfo>> {
    let id: Option<BuildId> = tx
        .prepare_cached(
            "SELECT id FROM builds WHERE repository_identity = ?1 AND commit_sha = ?2
               AND build_number = ?3 AND duplicate_of IS NULL",
        )?
        .query_row(
            params![codec::identity(repository), commit, build_number],
            |row| row.get(0),
        )
        .optional()?;
    match id {
        Some(id) => load(tx, id),
        None => Ok(None),
    }
}

/// One build with its assets and channels.
pub(super) fn load(tx: &Transaction<'_>, id: BuildId) -> Result<Option<BuildInfo>> {
    let row = tx
        .prepare_cached("SELECT repository, branch, commit_sha, build_number, produced_at FROM builds WHERE id = ?1")?
        .query_row([id], |row| {
            Ok(BuildInfo {
                id,
                repository: row.get(0)?,
                branch: row.get(1)?,
                commit: row.get(2)?,
                build_number: row.get(3)?,
                produced_at: row.get(4)?,
                assets: Vec::new(),
                channels: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut build) = row else {
        return Ok(None);
    };
    build.assets = assets(tx, id)?;
    build.channels = tx
        .prepare_cached("SELECT channel FROM build_channels WHERE build_id = ?1 ORDER BY rowid")?
        .query_map([id], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(build))
}

fn assets(tx: &Transaction<'_>, id: BuildId) -> Result<Vec<Asset>> {
    let mut statement = tx.prepare_cached(
        "SELECT ordinal, name, version, non_shipping, locations FROM assets WHERE build_id = ?1 ORDER BY ordinal",
    )?;
    let rows = statement.query_map([id], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, bool>(3)?,
            row.get::<_, String>(4)?,
        ))
    })?;
    let mut assets = Vec::new();
    for row in rows {
        let (ordinal, name, version, non_shipping, locations) = row?;
        let place = || format!("table assets, build {id} asset {ordinal}, column locations");
        let locations: Vec<AssetLocation> = codec::from_json(&locations, &place)?;
        assets.push(Asset {
            name,
            version,
            non_shipping,
            locations,
        });
    }
    Ok(assets)
}

/// Builds matching `query`, newest first.
pub(super) fn list(tx: &Transaction<'_>, query: &BuildQuery) -> Result<Vec<BuildInfo>> {
    let identity = query.repository.as_deref().map(codec::identity);
    let commit = query.commit.as_deref().map(str::to_ascii_lowercase);
    let ids: Vec<BuildId> = tx
        .prepare_cached(
            "SELECT b.id FROM builds b
             WHERE (?1 IS NULL OR b.repository_identity = ?1)
               AND (?2 IS NULL OR EXISTS (SELECT 1 FROM build_channels c WHERE c.build_id = b.id AND c.channel = ?2))
               AND (?4 IS NULL OR b.id < ?4)
               AND (?5 IS NULL OR lower(b.commit_sha) = ?5)
             ORDER BY b.id DESC LIMIT ?3",
        )?
        .query_map(params![identity, query.channel, query.limit.unwrap_or(DEFAULT_LIMIT), query.before, commit], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    collect(tx, ids)
}

/// The newest build of `repository` (by identity) on `channel`.
pub(super) fn latest(
    tx: &Transaction<'_>,
    repository: &str,
    channel: &str,
) -> Result<Option<BuildInfo>> {
    let id: Option<BuildId> = tx
        .prepare_cached(
            "SELECT b.id FROM builds b JOIN build_channels c ON c.build_id = b.id
             WHERE b.repository_identity = ?1 AND c.channel = ?2
             ORDER BY b.id DESC LIMIT 1",
        )?
        .query_row(params![codec::identity(repository), channel], |row| {
            row.get(0)
        })
        .optional()?;
    match id {
        Some(id) => load(tx, id),
        None => Ok(None),
    }
}

fn collect(tx: &Transaction<'_>, ids: Vec<BuildId>) -> Result<Vec<BuildInfo>> {
    let mut builds = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(build) = load(tx, id)? {
            builds.push(build);
        }
    }
    Ok(builds)
}
