//! A real HTTP server of build assets: blob files at their paths, honouring
//! `Range: bytes=N-` as storage services do, and a NuGet v3 feed (`/feed/index.json`
//! declaring its package base address `/feed/flat/`, packages below it in the flat
//! container layout). It logs every request with its range, for tests to see what a
//! client fetched and resumed.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;

use crate::served::{Served, listener_and_runtime};

#[derive(Default)]
struct Inner {
    base: String,
    files: BTreeMap<String, Vec<u8>>,
    requests: Vec<(String, Option<String>)>,
}

/// A running asset server.
pub struct AssetServer {
    _served: Served,
    base: String,
    inner: Arc<Mutex<Inner>>,
}

impl AssetServer {
    /// Starts an empty server on a loopback port.
    pub fn start() -> std::io::Result<AssetServer> {
        let (listener, runtime) = listener_and_runtime()?;
        let base = format!("http://{}", listener.local_addr()?);
        let inner = Arc::new(Mutex::new(Inner {
            base: base.clone(),
            ..Inner::default()
        }));
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(inner.clone());
        let served = Served::start(listener, runtime, app)?;
        Ok(AssetServer {
            _served: served,
            base,
            inner,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The feed's service index URL.
    pub fn feed(&self) -> String {
        format!("{}/feed/index.json", self.base)
    }

    /// Serves `bytes` at `path` (no leading `/`).
    pub fn put(&self, path: &str, bytes: &[u8]) {
        self.lock().files.insert(path.to_owned(), bytes.to_vec());
    }

    /// Serves a package of the feed: `id` at `version`, in the flat container layout.
    pub fn put_package(&self, id: &str, version: &str, bytes: &[u8]) {
        let (id, version) = (id.to_ascii_lowercase(), version.to_ascii_lowercase());
        self.put(
            &format!("feed/flat/{id}/{version}/{id}.{version}.nupkg"),
            bytes,
        );
    }

    /// Every request so far: path and `Range` header.
    pub fn requests(&self) -> Vec<(String, Option<String>)> {
        self.lock().requests.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn answer(status: StatusCode, headers: &[(header::HeaderName, String)], body: Vec<u8>) -> Response {
    let mut response = Response::builder().status(status);
    for (name, value) in headers {
        response = response.header(name, value);
    }
    response
        .body(Body::from(body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

async fn handle(State(inner): State<Arc<Mutex<Inner>>>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/').to_owned();
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut inner = inner.lock().unwrap_or_else(|e| e.into_inner());
    inner.requests.push((path.clone(), range.clone()));
    if path == "feed/index.json" {
        let index = serde_json::json!({
            "version": "3.0.0",
            "resources": [
                {"@id": format!("{}/feed/query", inner.base), "@type": "SearchQueryService"},
                {"@id": format!("{}/feed/flat/", inner.base), "@type": "PackageBaseAddress/3.0.0"},
            ],
        });
        return answer(
            StatusCode::OK,
            &[(header::CONTENT_TYPE, "application/json".into())],
            index.to_string().into_bytes(),
        );
    }
    let Some(bytes) = inner.files.get(&path).cloned() else {
        return answer(StatusCode::NOT_FOUND, &[], b"not found".to_vec());
    };
    let start = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<usize>().ok());
    match start {
        None => answer(StatusCode::OK, &[], bytes),
        Some(start) if start >= bytes.len() => answer(
            StatusCode::RANGE_NOT_SATISFIABLE,
            &[(header::CONTENT_RANGE, format!("bytes */{}", bytes.len()))],
            Vec::new(),
        ),
        Some(start) => answer(
            StatusCode::PARTIAL_CONTENT,
            &[(
                header::CONTENT_RANGE,
                format!("bytes {start}-{}/{}", bytes.len() - 1, bytes.len()),
            )],
            bytes[start..].to_vec(),
        ),
    }
}
