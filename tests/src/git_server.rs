//! A smart-HTTP git server for tests: `git http-backend` run as a CGI program behind an
//! axum server on `127.0.0.1:0`, on a thread and runtime of its own so both async tests
//! and plain programs (the benchmark) can use it. Faults on demand: fetches that hang,
//! every request failing with 500; [`SilentServer`] accepts and never answers.

use std::io::Read as _;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;

use crate::served::{Served, listener_and_runtime};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Basic-authentication credentials the server demands.
#[derive(Clone, Debug)]
pub struct BasicAuth {
    /// Expected user name.
    pub username: String,
    /// Expected password (the token).
    pub password: String,
}

/// Passwords accepted besides [`BasicAuth::password`] (tokens a fake forge minted).
pub type PasswordCheck = Arc<dyn Fn(&str) -> bool + Send + Sync>;

struct ServerState {
    root: PathBuf,
    auth: std::sync::Mutex<Option<BasicAuth>>,
    also: std::sync::Mutex<Option<PasswordCheck>>,
    backend: PathBuf,
    stall_fetch: AtomicBool,
    ever_stalled: AtomicBool,
    fail_all: AtomicBool,
    requests: AtomicU64,
}

/// A running server; stopped when dropped.
pub struct GitHttpServer {
    state: Arc<ServerState>,
    served: Served,
}

/// The `git-http-backend` program next to the `git` on `PATH`.
pub fn http_backend_program() -> std::io::Result<PathBuf> {
    let output = std::process::Command::new("git")
        .arg("--exec-path")
        .output()?;
    let dir = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    Ok(Path::new(&dir).join("git-http-backend"))
}

impl GitHttpServer {
    /// Serve every repository under `root` (`http://addr/<name>.git`), pushes enabled,
    /// requiring `auth` when given.
    pub fn start(root: impl Into<PathBuf>, auth: Option<BasicAuth>) -> std::io::Result<Self> {
        let state = Arc::new(ServerState {
            root: root.into(),
            auth: std::sync::Mutex::new(auth),
            also: std::sync::Mutex::new(None),
            backend: http_backend_program()?,
            stall_fetch: AtomicBool::new(false),
            ever_stalled: AtomicBool::new(false),
            fail_all: AtomicBool::new(false),
            requests: AtomicU64::new(0),
        });
        let (listener, runtime) = listener_and_runtime()?;
        let app = axum::Router::new().fallback(cgi).with_state(state.clone());
        Ok(GitHttpServer {
            state,
            served: Served::start(listener, runtime, app)?,
        })
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.served.addr()
    }

    /// The URL of repository `name` (a directory below the root, such as `app.git`).
    pub fn url(&self, name: &str) -> String {
        format!("http://{}/{}", self.addr(), name.trim_start_matches('/'))
    }

    /// When set, requests that fetch objects get their response headers and then
    /// nothing more, forever: a server that hangs mid-fetch.
    pub fn stall_fetches(&self, stall: bool) {
        self.state.stall_fetch.store(stall, Ordering::SeqCst);
        if stall {
            self.state.ever_stalled.store(true, Ordering::SeqCst);
        }
    }
}

impl GitHttpServer {
    /// When set, every request is answered `500 Internal Server Error`: a remote that is
    /// up but broken.
    pub fn fail_all(&self, fail: bool) {
        self.state.fail_all.store(fail, Ordering::SeqCst);
    }

    /// Demands `auth` from now on (a token rotated at the server), or nothing.
    pub fn set_auth(&self, auth: Option<BasicAuth>) {
        *self.state.auth.lock().unwrap_or_else(|e| e.into_inner()) = auth;
    }

    /// Accepts, with the user name [`BasicAuth`] demands, any password `check` approves
    /// (installation tokens, which come and expire).
    pub fn also_accept(&self, check: PasswordCheck) {
        *self.state.also.lock().unwrap_or_else(|e| e.into_inner()) = Some(check);
    }

    /// Requests received so far (answered or not).
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::SeqCst)
    }
}

impl Drop for GitHttpServer {
    fn drop(&mut self) {
        // Stalled responses may never finish: do not wait for the thread after stalling.
        if self.state.ever_stalled.load(Ordering::SeqCst) {
            self.served.detach_on_drop();
        }
    }
}

fn authorized(auth: &BasicAuth, also: Option<&PasswordCheck>, headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    if decoded == format!("{}:{}", auth.username, auth.password).as_bytes() {
        return true;
    }
    let text = String::from_utf8_lossy(&decoded);
    match (text.split_once(':'), also) {
        (Some((user, password)), Some(check)) => user == auth.username && check(password),
        _ => false,
    }
}

fn plain(status: StatusCode, text: &str) -> Response {
    (status, text.to_owned()).into_response()
}

async fn cgi(State(state): State<Arc<ServerState>>, request: Request) -> Response {
    state.requests.fetch_add(1, Ordering::SeqCst);
    if state.fail_all.load(Ordering::SeqCst) {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "injected failure");
    }
    let (parts, body) = request.into_parts();
    let mut remote_user = "anonymous".to_owned();
    let auth = state.auth.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let also = state.also.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if let Some(auth) = &auth {
        if !authorized(auth, also.as_ref(), &parts.headers) {
            let mut response = plain(StatusCode::UNAUTHORIZED, "authentication required");
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"git\""),
            );
            return response;
        }
        remote_user = auth.username.clone();
    }
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return plain(StatusCode::BAD_REQUEST, "unreadable body");
    };
    let gzip = parts
        .headers
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    let body = if gzip {
        let mut decoded = Vec::new();
        if flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut decoded)
            .is_err()
        {
            return plain(StatusCode::BAD_REQUEST, "bad gzip body");
        }
        decoded
    } else {
        body.to_vec()
    };
    let header_str = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let stall = state.stall_fetch.load(Ordering::SeqCst)
        && parts.uri.path().ends_with("/git-upload-pack")
        && contains(&body, b"command=fetch");

    let mut command = tokio::process::Command::new(&state.backend);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_PROJECT_ROOT", &state.root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_COUNT", "3")
        .env("GIT_CONFIG_KEY_0", "http.receivepack")
        .env("GIT_CONFIG_VALUE_0", "true")
        .env("GIT_CONFIG_KEY_1", "uploadpack.allowFilter")
        .env("GIT_CONFIG_VALUE_1", "true")
        .env("GIT_CONFIG_KEY_2", "safe.directory")
        .env("GIT_CONFIG_VALUE_2", "*")
        .env("PATH_INFO", parts.uri.path())
        .env("QUERY_STRING", parts.uri.query().unwrap_or_default())
        .env("REQUEST_METHOD", parts.method.as_str())
        .env("CONTENT_TYPE", header_str("content-type"))
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("GIT_PROTOCOL", header_str("git-protocol"))
        .env("REMOTE_USER", remote_user)
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let Ok(mut child) = command.spawn() else {
        return plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot run git http-backend",
        );
    };
    if let Some(mut stdin) = child.stdin.take() {
        tokio::spawn(async move {
            let _ = stdin.write_all(&body).await;
        });
    }
    let Some(stdout) = child.stdout.take() else {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "no output");
    };
    let mut reader = BufReader::new(stdout);
    let mut status = StatusCode::OK;
    let mut headers = HeaderMap::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            let code = value.split_whitespace().next().and_then(|c| c.parse().ok());
            status = code
                .and_then(|c| StatusCode::from_u16(c).ok())
                .unwrap_or(StatusCode::BAD_GATEWAY);
        } else if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    tokio::spawn(async move {
        let _ = child.wait().await;
    });
    let body = if stall {
        // A reader whose writer stays alive and silent: the body never ends.
        let (silent, never) = tokio::io::duplex(64);
        tokio::spawn(async move {
            let _silent = silent;
            std::future::pending::<()>().await;
        });
        Body::from_stream(tokio_util::io::ReaderStream::new(never))
    } else {
        Body::from_stream(tokio_util::io::ReaderStream::new(reader))
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A server that accepts connections, reads what comes and never answers: a remote that
/// hangs. Connections are held until the server is dropped.
pub struct SilentServer {
    addr: SocketAddr,
    accepted: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl SilentServer {
    /// Listens on `127.0.0.1:0`.
    pub fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let accepted = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (count, stopped) = (accepted.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut held = Vec::new();
            while !stopped.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        count.fetch_add(1, Ordering::SeqCst);
                        held.push(stream);
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
                }
            }
        });
        Ok(SilentServer {
            addr,
            accepted,
            stop,
        })
    }

    /// The URL of repository `name` on this server.
    pub fn url(&self, name: &str) -> String {
        format!("http://{}/{}", self.addr, name.trim_start_matches('/'))
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}
