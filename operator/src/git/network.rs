//! Talking to remotes with gix: the ref advertisement (`head`) and fetching into the
//! cache (`fetch`). Blocking; the async surface runs these on blocking workers.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gix::ObjectId;
use gix::remote::Direction;

use super::error::describe;
use super::remote::{Remote, Scheme};

/// The local name under which a fetched branch is kept in the cache.
pub(crate) fn tracking_ref(branch: &str) -> String {
    format!("refs/remotes/origin/{branch}")
}

/// Whether a branch name is acceptable: what the core's validator accepts (git's ref
/// rules, not an option, no pattern or invisible format characters) and gix takes as a
/// ref name below `refs/heads/`.
pub(crate) fn valid_branch(branch: &str) -> bool {
    sluice_core::validate::branch(branch).is_ok()
        && gix::refs::FullName::try_from(format!("refs/heads/{branch}")).is_ok()
}

/// Where in a fetch an error happened: before any object was received, or while
/// receiving and storing the pack (which can point at a damaged cache).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Connecting, authenticating, listing refs.
    Connect,
    /// Receiving and storing objects.
    Receive,
}

/// A failed network operation: where it failed and a message free of secrets.
#[derive(Debug)]
pub(crate) struct NetworkFailure {
    pub stage: Stage,
    pub message: String,
}

/// What a fetch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fetched {
    /// The branch is at this commit, now in the cache.
    At(ObjectId),
    /// The remote has no such branch.
    Missing,
}

fn failure(
    stage: Stage,
    remote: &Remote,
    err: &(dyn std::error::Error + 'static),
) -> NetworkFailure {
    NetworkFailure {
        stage,
        message: remote.credentials.scrub(&describe(err)),
    }
}

/// Transport options for HTTP remotes: the per-read stall timeout on the reqwest client.
fn transport_options(
    repo: &gix::Repository,
    remote: &Remote,
    stall_timeout: Duration,
) -> Result<Option<Box<dyn std::any::Any>>, NetworkFailure> {
    if remote.url.scheme() != Scheme::Http {
        return Ok(None);
    }
    let mut options = repo
        .transport_options(remote.url.as_str(), None)
        .map_err(|e| failure(Stage::Connect, remote, &e))?;
    if let Some(http) = options.as_mut().and_then(|o| {
        o.downcast_mut::<gix::protocol::transport::client::blocking_io::http::Options>()
    }) {
        let backend = gix::protocol::transport::client::blocking_io::http::reqwest::Options {
            configure_client: Some(Box::new(move |builder| Ok(builder.timeout(stall_timeout)))),
            configure_request: None,
        };
        http.backend = Some(Arc::new(Mutex::new(backend)));
        // gix never answers an authentication challenge over plain http; to the loopback
        // interface (test servers, local proxies) the token goes as a configured header.
        if remote.url.is_cleartext_http()
            && remote.url.is_loopback()
            && let Some(header) = remote.credentials.authorization_header()
        {
            http.extra_headers.push(header.expose().to_owned());
        }
        http.connect_timeout = Some(stall_timeout);
    }
    Ok(options)
}

/// Build the anonymous gix remote fetching exactly `branch` into its tracking ref.
fn gix_remote<'r>(
    repo: &'r gix::Repository,
    remote: &Remote,
    branch: &str,
) -> Result<gix::Remote<'r>, NetworkFailure> {
    let spec = format!("+refs/heads/{branch}:{}", tracking_ref(branch));
    gix_remote_with(repo, remote, &spec)
}

/// The anonymous gix remote with one fetch refspec.
fn gix_remote_with<'r>(
    repo: &'r gix::Repository,
    remote: &Remote,
    spec: &str,
) -> Result<gix::Remote<'r>, NetworkFailure> {
    repo.remote_at_without_url_rewrite(remote.url.as_str())
        .and_then(|r| r.with_refspecs([spec], Direction::Fetch))
        .map(|r| r.with_fetch_tags(gix::remote::fetch::Tags::None))
        .map_err(|e| failure(Stage::Connect, remote, &e))
}

/// Apply the remote's SSH settings to the (in-memory) configuration of the cache.
fn configure_ssh(repo: &mut gix::Repository, remote: &Remote) -> Result<(), NetworkFailure> {
    if let Some(command) = remote.credentials.ssh_command() {
        let mut config = repo.config_snapshot_mut();
        config
            .set_value(&gix::config::tree::Core::SSH_COMMAND, command.as_str())
            .map_err(|e| failure(Stage::Connect, remote, &e))?;
    }
    Ok(())
}

/// The ref advertisement for the refs `spec` selects.
fn advertisement(
    repo: &mut gix::Repository,
    remote: &Remote,
    spec: &str,
    stall_timeout: Duration,
) -> Result<gix::remote::fetch::RefMap, NetworkFailure> {
    configure_ssh(repo, remote)?;
    let repo = &*repo;
    let options = transport_options(repo, remote, stall_timeout)?;
    let gremote = gix_remote_with(repo, remote, spec)?;
    let mut connection = gremote
        .connect(Direction::Fetch)
        .map_err(|e| failure(Stage::Connect, remote, &e))?
        .with_credentials(
            remote
                .credentials
                .gix_callback(!remote.url.is_cleartext_http()),
        );
    if let Some(options) = options {
        connection = connection.with_transport_options(options);
    }
    let (ref_map, _handshake) = connection
        .ref_map(gix::progress::Discard, Default::default())
        .map_err(|e| failure(Stage::Connect, remote, &e))?;
    Ok(ref_map)
}

/// The commit `branch` points to on the remote, from the ref advertisement alone.
pub(crate) fn head(
    repo: &mut gix::Repository,
    remote: &Remote,
    branch: &str,
    stall_timeout: Duration,
) -> Result<Option<ObjectId>, NetworkFailure> {
    let spec = format!("+refs/heads/{branch}:{}", tracking_ref(branch));
    let ref_map = advertisement(repo, remote, &spec, stall_timeout)?;
    Ok(find_branch(&ref_map, branch))
}

/// Every branch of the remote and its commit, from one ref advertisement.
pub(crate) fn heads(
    repo: &mut gix::Repository,
    remote: &Remote,
    stall_timeout: Duration,
) -> Result<BTreeMap<String, ObjectId>, NetworkFailure> {
    let ref_map = advertisement(
        repo,
        remote,
        "+refs/heads/*:refs/remotes/advertised/*",
        stall_timeout,
    )?;
    Ok(ref_map
        .remote_refs
        .iter()
        .filter_map(|r| {
            let (name, target, peeled) = r.unpack();
            let branch = std::str::from_utf8(name.as_ref())
                .ok()?
                .strip_prefix("refs/heads/")?;
            Some((branch.to_owned(), peeled.or(target)?.to_owned()))
        })
        .collect())
}

fn find_branch(ref_map: &gix::remote::fetch::RefMap, branch: &str) -> Option<ObjectId> {
    let wanted = format!("refs/heads/{branch}");
    ref_map.remote_refs.iter().find_map(|r| {
        let (name, target, peeled) = r.unpack();
        (name == wanted.as_str())
            .then(|| peeled.or(target).map(ToOwned::to_owned))
            .flatten()
    })
}

/// Fetch `branch` into the cache: depth 1 the first time this branch is fetched,
/// incremental (negotiating from what the cache has) afterwards.
pub(crate) fn fetch(
    repo: &mut gix::Repository,
    remote: &Remote,
    branch: &str,
    stall_timeout: Duration,
    interrupt: &AtomicBool,
) -> Result<Fetched, NetworkFailure> {
    configure_ssh(repo, remote)?;
    let repo = &*repo;
    let known = repo
        .try_find_reference(tracking_ref(branch).as_str())
        .ok()
        .flatten()
        .and_then(|r| r.try_id().map(|id| id.detach()))
        .filter(|id| repo.has_object(id));
    let shallow = match known {
        Some(_) => gix::remote::fetch::Shallow::NoChange,
        None => gix::remote::fetch::Shallow::DepthAtRemote(NonZeroU32::MIN),
    };
    let options = transport_options(repo, remote, stall_timeout)?;
    let gremote = gix_remote(repo, remote, branch)?;
    let mut connection = gremote
        .connect(Direction::Fetch)
        .map_err(|e| failure(Stage::Connect, remote, &e))?
        .with_credentials(
            remote
                .credentials
                .gix_callback(!remote.url.is_cleartext_http()),
        );
    if let Some(options) = options {
        connection = connection.with_transport_options(options);
    }
    let prepare = connection
        .prepare_fetch(gix::progress::Discard, Default::default())
        .map_err(|e| failure(Stage::Connect, remote, &e))?;
    let Some(tip) = find_branch(prepare.ref_map(), branch) else {
        return Ok(Fetched::Missing);
    };
    if known == Some(tip) {
        // Nothing moved: skip negotiation and the pack request entirely.
        return Ok(Fetched::At(tip));
    }
    prepare
        .with_shallow(shallow)
        .with_write_packed_refs_only(true)
        .receive(gix::progress::Discard, interrupt)
        .map_err(|e| failure(Stage::Receive, remote, &e))?;
    if !repo.has_object(tip) {
        return Err(NetworkFailure {
            stage: Stage::Receive,
            message: format!("the fetched pack does not contain {tip}"),
        });
    }
    Ok(Fetched::At(tip))
}

/// Fetch the single commit `commit` into the cache, shallow (depth 1), unless the cache
/// holds it already. Asks for it by id (protocol v2 servers and `file://` remotes serve
/// any commit they hold), so it works for commits no branch points at any more.
pub(crate) fn fetch_commit(
    repo: &mut gix::Repository,
    remote: &Remote,
    commit: ObjectId,
    stall_timeout: Duration,
    interrupt: &AtomicBool,
) -> Result<bool, NetworkFailure> {
    if repo.has_object(commit) {
        return Ok(true);
    }
    let depth = gix::remote::fetch::Shallow::DepthAtRemote(NonZeroU32::MIN);
    let by_id = ById {
        commit,
        refs: "commits",
        depth,
    };
    fetch_by_id(repo, remote, by_id, stall_timeout, interrupt)
}

/// Fetch `commit` and its whole history into the cache, asking for it by id; a shallow
/// cache is deepened to the root. Nothing goes over the network when the cache holds the
/// commit and is not shallow (a complete cache holds every ancestor of what it holds).
pub(crate) fn fetch_history(
    repo: &mut gix::Repository,
    remote: &Remote,
    commit: ObjectId,
    stall_timeout: Duration,
    interrupt: &AtomicBool,
) -> Result<bool, NetworkFailure> {
    let shallow = repo.is_shallow().unwrap_or(true);
    if repo.has_object(commit) && !shallow {
        return Ok(true);
    }
    let depth = if shallow {
        gix::remote::fetch::Shallow::undo()
    } else {
        gix::remote::fetch::Shallow::NoChange
    };
    let by_id = ById {
        commit,
        refs: "history",
        depth,
    };
    fetch_by_id(repo, remote, by_id, stall_timeout, interrupt)
}

/// A fetch of one commit by id: kept under `refs/sluice/<refs>/<commit>`, at `depth`.
struct ById {
    commit: ObjectId,
    refs: &'static str,
    depth: gix::remote::fetch::Shallow,
}

/// Fetches `by_id`; whether the cache holds the commit afterwards.
fn fetch_by_id(
    repo: &mut gix::Repository,
    remote: &Remote,
    by_id: ById,
    stall_timeout: Duration,
    interrupt: &AtomicBool,
) -> Result<bool, NetworkFailure> {
    let ById {
        commit,
        refs,
        depth,
    } = by_id;
    configure_ssh(repo, remote)?;
    let repo = &*repo;
    let options = transport_options(repo, remote, stall_timeout)?;
    let spec = format!("+{commit}:refs/sluice/{refs}/{commit}");
    let gremote = gix_remote_with(repo, remote, &spec)?;
    let mut connection = gremote
        .connect(Direction::Fetch)
        .map_err(|e| failure(Stage::Connect, remote, &e))?
        .with_credentials(
            remote
                .credentials
                .gix_callback(!remote.url.is_cleartext_http()),
        );
    if let Some(options) = options {
        connection = connection.with_transport_options(options);
    }
    connection
        .prepare_fetch(gix::progress::Discard, Default::default())
        .map_err(|e| failure(Stage::Connect, remote, &e))?
        .with_shallow(depth)
        .with_write_packed_refs_only(true)
        .receive(gix::progress::Discard, interrupt)
        .map_err(|e| failure(Stage::Receive, remote, &e))?;
    Ok(repo.has_object(commit))
}
