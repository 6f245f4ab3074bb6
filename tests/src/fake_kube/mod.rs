//! A Kubernetes API server in this process, for tests where no cluster can run. It keeps
//! the semantics clients rely on, for any type a CustomResourceDefinition declares and for
//! the built-in ones sluice uses:
//!
//! - namespaced and cluster-scoped create, get, list, update, patch (merge, JSON, apply)
//!   and delete; one `resourceVersion` counter, `409 Conflict` on a stale update;
//! - `metadata.generation` bumped by spec changes only (not metadata, not status); the
//!   status subresource (the main resource ignores status, `/status` the rest);
//! - finalizers: deleting marks `deletionTimestamp`, the object goes with its last
//!   finalizer;
//! - list-then-watch with label and field selectors, resume from a resourceVersion,
//!   bookmarks, `410 Gone` once the history is compacted ([`FakeKube::compact`]), watches
//!   dropped on demand ([`FakeKube::drop_watches`]);
//! - discovery documents and the `Table` format from the definitions' printer columns, so
//!   the real `kubectl` works against it ([`FakeKube::kubeconfig`]).
//!
//! Server-side apply removes what a field manager applied before and no longer applies
//! (members, and list items keyed by `type`); conflicts between managers are not kept.
//! Not kept either: authentication and authorization, admission and schema validation, namespace lifecycle (any namespace exists), pagination
//! (`limit` returns everything).

mod api;
mod discovery;
mod event_mirror;
pub mod kinds;
pub mod objects;
pub mod patch;
mod refusal;
mod select;
pub mod table;
mod watch;

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use objects::Objects;

/// What the handlers share.
pub(crate) struct Server {
    objects: Objects,
    drops: tokio::sync::watch::Sender<u64>,
    bookmark_every: Duration,
    requests: Mutex<BTreeMap<String, u64>>,
    /// What each field manager last applied to an object (or its status).
    applied: Mutex<BTreeMap<(String, String, bool), serde_json::Value>>,
}

impl Server {
    fn count(&self, method: &str) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests.entry(method.to_string()).or_default() += 1;
        }
    }
}

/// A running fake API server; stopped when dropped.
pub struct FakeKube {
    addr: SocketAddr,
    server: Arc<Server>,
    shutdown: Option<tokio::sync::watch::Sender<bool>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeKube {
    /// Starts a server on `127.0.0.1:0` with bookmarks every second, on a thread and
    /// runtime of its own (so plain tests and subprocesses can use it alike).
    pub fn start() -> std::io::Result<FakeKube> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let server = Arc::new(Server {
            objects: Objects::default(),
            drops: tokio::sync::watch::Sender::new(0),
            bookmark_every: Duration::from_secs(1),
            requests: Mutex::new(BTreeMap::new()),
            applied: Mutex::new(BTreeMap::new()),
        });
        let (shutdown, stop) = tokio::sync::watch::channel(false);
        let state = server.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let app = axum::Router::new().fallback(api::handle).with_state(state);
                let mut graceful = stop.clone();
                let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                    let _ = graceful.wait_for(|stop| *stop).await;
                });
                // A graceful shutdown waits for open connections, and a watch held by a
                // client that lives on would keep it forever: a moment, then they go.
                let mut stop = stop;
                let deadline = async move {
                    let _ = stop.wait_for(|stop| *stop).await;
                    tokio::time::sleep(Duration::from_secs(2)).await;
                };
                tokio::select! {
                    _ = serve => {}
                    _ = deadline => {}
                }
            });
            runtime.shutdown_background();
        });
        Ok(FakeKube {
            addr,
            server,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// The server's base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Writes a kubeconfig for this server (namespace `default`) into `dir` and returns
    /// its path.
    pub fn kubeconfig(&self, dir: &Path) -> std::io::Result<PathBuf> {
        let path = dir.join("kubeconfig");
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: default\ncurrent-context: fake\nusers:\n- name: fake\n  user: {{}}\n",
            self.url()
        );
        std::fs::write(&path, text)?;
        Ok(path)
    }

    /// The objects, to read or change as a test's other actor.
    pub fn objects(&self) -> &Objects {
        &self.server.objects
    }

    /// Ends every open watch, as a connection lost or a server restarted would.
    pub fn drop_watches(&self) {
        self.server.drops.send_modify(|n| *n += 1);
    }

    /// Forgets the change history: resuming from an older version is `410 Gone`.
    pub fn compact(&self) {
        self.server.objects.compact();
    }

    /// Requests served so far with `method` (`GET`, `PATCH`, ...).
    pub fn requests(&self, method: &str) -> u64 {
        self.server
            .requests
            .lock()
            .map(|r| r.get(method).copied().unwrap_or(0))
            .unwrap_or(0)
    }
}

impl Drop for FakeKube {
    fn drop(&mut self) {
        self.drop_watches();
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
