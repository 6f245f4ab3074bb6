//! The schema and its migrations. `schema_version` holds one row per applied migration;
//! the highest is the database's version. Migrations run in one transaction on open, so
//! a database is either at its old version or fully at the new one.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::{Fault, Result, codec};

/// Migrations in order; entry `i` brings the schema to version `i + 1`. Append only:
/// never edit a migration that has shipped.
const MIGRATIONS: &[&str] = &[V1, V2, V3, V4];

/// The schema version this code writes.
pub(super) const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

const V1: &str = r#"
CREATE TABLE builds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    repository TEXT NOT NULL,
    repository_identity TEXT NOT NULL,
    branch TEXT NOT NULL,
    commit_sha TEXT NOT NULL,
    build_number TEXT NOT NULL,
    produced_at TEXT NOT NULL,
    published_at TEXT NOT NULL
);
CREATE INDEX builds_by_repository ON builds (repository_identity, id);

CREATE TABLE assets (
    build_id INTEGER NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    non_shipping INTEGER NOT NULL,
    locations TEXT NOT NULL,
    PRIMARY KEY (build_id, ordinal)
);

CREATE TABLE build_channels (
    build_id INTEGER NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    PRIMARY KEY (build_id, channel)
);
CREATE INDEX build_channels_by_channel ON build_channels (channel, build_id);

CREATE TABLE subscriptions (
    name TEXT PRIMARY KEY NOT NULL,
    last_applied_build INTEGER,
    requested_build INTEGER,
    force INTEGER NOT NULL DEFAULT 0,
    rejected_build INTEGER,
    condition TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    last_fired INTEGER,
    first_seen INTEGER
);

CREATE TABLE tracked_pull_requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    id TEXT NOT NULL,
    url TEXT NOT NULL,
    repository TEXT NOT NULL,
    target_branch TEXT NOT NULL,
    head_branch TEXT NOT NULL,
    state TEXT NOT NULL,
    head_commit TEXT NOT NULL,
    base_commit TEXT NOT NULL,
    carried TEXT NOT NULL,
    failure_commented INTEGER NOT NULL,
    settled INTEGER NOT NULL,
    policies TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (key, id)
);
CREATE INDEX tracked_pull_requests_active ON tracked_pull_requests (settled, state);

CREATE TABLE local_pull_requests (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    repository TEXT NOT NULL,
    repository_identity TEXT NOT NULL,
    base_branch TEXT NOT NULL,
    head_branch TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    state TEXT NOT NULL,
    merge_commit TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX local_pull_requests_one_open
    ON local_pull_requests (repository_identity, head_branch) WHERE state = 'Open';

CREATE TABLE local_pull_request_comments (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    number INTEGER NOT NULL REFERENCES local_pull_requests (number) ON DELETE CASCADE,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX local_pull_request_comments_by_number ON local_pull_request_comments (number, seq);

CREATE TABLE checks (
    number INTEGER NOT NULL REFERENCES local_pull_requests (number) ON DELETE CASCADE,
    head_commit TEXT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    PRIMARY KEY (number, head_commit, name)
);

CREATE TABLE reviews (
    number INTEGER NOT NULL REFERENCES local_pull_requests (number) ON DELETE CASCADE,
    reviewer TEXT NOT NULL,
    state TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    PRIMARY KEY (number, reviewer)
);

CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    subscription TEXT,
    build INTEGER,
    pull_request TEXT,
    message TEXT NOT NULL
);
CREATE INDEX events_by_build ON events (build, seq);
"#;

/// Version 2: whether sluice noticed a person's commits on a pull request's head branch.
const V2: &str = r#"
ALTER TABLE tracked_pull_requests ADD COLUMN manual_commits_noticed INTEGER NOT NULL DEFAULT 0;
"#;

/// Version 3: one build per repository, commit and build number, so a CI retry finds the build it
/// published. Builds stored twice before this are kept (events and pull requests refer to
/// them) and marked as duplicates of the first, which the unique index leaves out.
const V3: &str = r#"
ALTER TABLE builds ADD COLUMN duplicate_of INTEGER;
UPDATE builds SET duplicate_of = (
    SELECT MIN(o.id) FROM builds o
    WHERE o.repository_identity = builds.repository_identity
      AND o.commit_sha = builds.commit_sha
      AND o.build_number = builds.build_number
)
WHERE id <> (
    SELECT MIN(o.id) FROM builds o
    WHERE o.repository_identity = builds.repository_identity
      AND o.commit_sha = builds.commit_sha
      AND o.build_number = builds.build_number
);
CREATE UNIQUE INDEX builds_once ON builds (repository_identity, commit_sha, build_number)
    WHERE duplicate_of IS NULL;
"#;

/// Version 4: a subscription's status as the list of kstatus conditions the core makes
/// (`sluice_core::flow::status::conditions`), replacing the `condition`, `reason` and
/// `message` columns. A recorded row becomes the conditions of the same outcome: `Ready`
/// (`True` for a ready row, else `False`) and, for a reconciling or stalled row,
/// `Reconciling` or `Stalled` `True`, each with the row's reason and message and the time
/// of the migration as its transition time. A row never reconciled gets none.
const V4: &str = r#"
ALTER TABLE subscriptions ADD COLUMN conditions TEXT NOT NULL DEFAULT '[]';
UPDATE subscriptions SET conditions = (
    WITH t (now) AS (SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    SELECT CASE
        WHEN condition = 'Ready' THEN json_array(
            json_object('type', 'Ready', 'status', 'True', 'reason', reason,
                        'message', message, 'lastTransitionTime', now))
        WHEN condition IN ('Reconciling', 'Stalled') THEN json_array(
            json_object('type', 'Ready', 'status', 'False', 'reason', reason,
                        'message', message, 'lastTransitionTime', now),
            json_object('type', condition, 'status', 'True', 'reason', reason,
                        'message', message, 'lastTransitionTime', now))
        ELSE '[]'
    END FROM t
);
ALTER TABLE subscriptions DROP COLUMN condition;
ALTER TABLE subscriptions DROP COLUMN reason;
ALTER TABLE subscriptions DROP COLUMN message;
"#;

/// Brings the database to [`CURRENT_VERSION`], or refuses one written by newer code.
pub(super) fn migrate(connection: &mut Connection) -> Result<()> {
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version INTEGER PRIMARY KEY NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )?;
    let found = version(&tx)?;
    if found > CURRENT_VERSION {
        return Err(Fault::Data(format!(
            "the database has schema version {found}, newer than the {CURRENT_VERSION} this sluice knows; \
             upgrade sluice or point it at another file"
        )));
    }
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        let target = index as i64 + 1;
        tx.execute_batch(sql).map_err(|error| {
            Fault::Data(format!(
                "migration to schema version {target} failed: {error}"
            ))
        })?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
            (target, codec::now()),
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The schema version of the database (0 when empty).
pub(super) fn version(connection: &Connection) -> Result<i64> {
    let version: Option<i64> = connection
        .query_row("SELECT MAX(version) FROM schema_version", [], |row| {
            row.get(0)
        })
        .optional()?
        .flatten();
    Ok(version.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(connection: &Connection, number: &str) -> rusqlite::Result<usize> {
        connection.execute(
            "INSERT INTO builds (repository, repository_identity, branch, commit_sha, build_number, produced_at, published_at)
             VALUES ('https://x/r', 'x/r', 'main', 'abc1234', ?1, 't', 't')",
            [number],
        )
    }

    #[test]
    fn a_version_1_database_with_duplicate_builds_migrates_and_keeps_them() {
        let mut connection = Connection::open_in_memory().unwrap();
        connection
            .execute_batch(&format!(
                "{V1}\nCREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL, applied_at TEXT NOT NULL);\nINSERT INTO schema_version VALUES (1, 't');"
            ))
            .unwrap();
        for number in ["1", "1", "2", "1"] {
            insert(&connection, number).unwrap();
        }
        migrate(&mut connection).unwrap();
        assert_eq!(version(&connection).unwrap(), CURRENT_VERSION);
        let marks: Vec<(i64, Option<i64>)> = connection
            .prepare("SELECT id, duplicate_of FROM builds ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(marks, [(1, None), (2, Some(1)), (3, None), (4, Some(1))]);
        assert!(insert(&connection, "1").is_err(), "no new duplicate");
        insert(&connection, "3").unwrap();
    }

    #[test]
    fn a_version_3_database_keeps_each_subscription_condition_as_kstatus_conditions() {
        use sluice_core::flow::{Outcome, Reason, status};

        let mut connection = Connection::open_in_memory().unwrap();
        connection
            .execute_batch(&format!(
                "{V1}\n{V2}\n{V3}\nCREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL, applied_at TEXT NOT NULL);\nINSERT INTO schema_version VALUES (3, 't');"
            ))
            .unwrap();
        // (name, condition, reason, message) as version 3 stored them.
        let rows = [
            ("ready", "Ready", "UpToDate", "build 4 is applied"),
            (
                "reconciling",
                "Reconciling",
                "PoliciesPending",
                "waiting for checks",
            ),
            (
                "stalled",
                "Stalled",
                "ManifestInvalid",
                "eng/Version.Details.xml:3:7: \"quoted\"",
            ),
            ("fresh", "", "", ""),
        ];
        for (name, condition, reason, message) in rows {
            connection
                .execute(
                    "INSERT INTO subscriptions (name, last_applied_build, force, condition, reason, message, first_seen)
                     VALUES (?1, 4, 1, ?2, ?3, ?4, 1771000000)",
                    (name, condition, reason, message),
                )
                .unwrap();
        }
        migrate(&mut connection).unwrap();
        assert_eq!(version(&connection).unwrap(), CURRENT_VERSION);

        let tx = connection.transaction().unwrap();
        let records = super::super::subscriptions::list(&tx).unwrap();
        assert_eq!(records.len(), 4);
        for (name, _, reason, message) in rows {
            let record = &records[name];
            assert_eq!(record.state.last_applied_build, Some(4), "{name}");
            assert!(record.state.force, "{name}");
            assert_eq!(record.first_seen, Some(1_771_000_000), "{name}");
            if name == "fresh" {
                assert!(record.conditions.is_empty());
                continue;
            }
            // What the core makes of the same outcome, at the migration's time.
            let at = record.conditions[0].last_transition_time.clone().unwrap();
            assert!(sluice_core::time::parse_rfc3339(&at).is_some(), "{at}");
            let reason = Reason::ALL
                .into_iter()
                .find(|r| r.as_str() == reason)
                .unwrap();
            let want = status::conditions(&[], &Outcome::new(reason, message), None, &at);
            assert_eq!(record.conditions, want, "{name}");
        }
        let columns: Vec<String> = tx
            .prepare("SELECT name FROM pragma_table_info('subscriptions')")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            !columns
                .iter()
                .any(|c| ["condition", "reason", "message"].contains(&c.as_str())),
            "{columns:?}"
        );
    }
}
