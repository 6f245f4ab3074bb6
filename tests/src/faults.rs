//! What the fake services share in front of their endpoints: faults injected on demand
//! ([`Fault`], queued in [`Faults`]) and the log of every call ([`Call`]).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::response::Response;

/// A failure to answer the next matching request with.
#[derive(Debug, Clone)]
pub struct Fault {
    /// Only requests whose `METHOD /path` contains this (all when empty).
    pub matching: String,
    /// The status code.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The message of the JSON body.
    pub message: String,
    /// Whether the request is served first and only its answer replaced (a proxy that
    /// times out after the service acted): the caller cannot tell whether it happened.
    pub after_serving: bool,
}

/// Seconds since the Unix epoch.
pub fn epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl Fault {
    /// A rate limit answered with `status` (429, 403 or 503) and `Retry-After: seconds`.
    pub fn retry_after(status: u16, seconds: u64) -> Fault {
        Fault {
            matching: String::new(),
            status,
            headers: vec![("retry-after".into(), seconds.to_string())],
            message: "You have exceeded a secondary rate limit.".into(),
            after_serving: false,
        }
    }

    /// GitHub's primary rate limit: 403 with no requests left until `seconds` from now.
    pub fn exhausted(seconds: u64) -> Fault {
        Fault {
            matching: String::new(),
            status: 403,
            headers: vec![
                ("x-ratelimit-remaining".into(), "0".into()),
                ("x-ratelimit-reset".into(), (epoch() + seconds).to_string()),
            ],
            message: "API rate limit exceeded.".into(),
            after_serving: false,
        }
    }

    /// A server error.
    pub fn server_error(status: u16) -> Fault {
        Fault {
            matching: String::new(),
            status,
            headers: vec![],
            message: "Server Error".into(),
            after_serving: false,
        }
    }

    /// The same fault, answered after the request was served.
    pub fn after_serving(mut self) -> Fault {
        self.after_serving = true;
        self
    }

    /// The same fault, for requests whose `METHOD /path` contains `matching` only.
    pub fn on(mut self, matching: &str) -> Fault {
        self.matching = matching.to_string();
        self
    }

    /// `response` (the service's error answer with the fault's status and message)
    /// with the fault's headers.
    pub fn headed(&self, mut response: Response) -> Response {
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                header::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

/// The faults waiting for their request.
#[derive(Debug, Default)]
pub struct Faults(Mutex<VecDeque<Fault>>);

impl Faults {
    /// Queues `fault`.
    pub fn push(&self, fault: Fault) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(fault);
    }

    /// The first fault for the request `line` (`METHOD /path?query`), taken off the queue.
    pub fn take(&self, line: &str) -> Option<Fault> {
        let mut faults = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let at = faults.iter().position(|f| line.contains(&f.matching));
        at.and_then(|i| faults.remove(i))
    }
}

/// A request a fake received.
#[derive(Debug, Clone)]
pub struct Call {
    /// When it arrived.
    pub at: Instant,
    /// `METHOD /path?query`.
    pub request: String,
    /// The status answered (0 while it is being answered).
    pub status: u16,
}

/// Middleware logging every call (and the status it was answered with) into `calls`.
async fn log_calls(
    axum::extract::State(calls): axum::extract::State<std::sync::Arc<Calls>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let line = Calls::line(&request);
    calls.logged(&line, next.run(request)).await
}

/// Every call a fake received, in the order they arrived. A call is noted when it
/// arrives, before the fake acts on it, and its status once answered: whatever a call
/// changed (a merge written into a repository) is never seen before the call itself.
#[derive(Debug, Default)]
pub struct Calls {
    log: Mutex<Vec<Call>>,
    answered: std::sync::Condvar,
}

/// How long [`Calls::all`] waits for calls that arrived before it to be answered.
const ANSWER_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl Calls {
    /// `router` with every call logged into `calls` (outermost: injected faults and
    /// refusals are logged too).
    pub fn logging<S>(router: axum::Router<S>, calls: &std::sync::Arc<Calls>) -> axum::Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        router.layer(axum::middleware::from_fn_with_state(
            calls.clone(),
            log_calls,
        ))
    }

    /// `METHOD /path?query` of `request`.
    pub fn line(request: &Request) -> String {
        let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
        format!("{} {path}", request.method())
    }

    /// The answer `answer` gives to the call `line`, logged: noted (status 0) before
    /// `answer` runs, its status filled in once it is answered.
    pub async fn logged(
        &self,
        line: &str,
        answer: impl std::future::Future<Output = Response>,
    ) -> Response {
        let at = Instant::now();
        let index = {
            let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
            log.push(Call {
                at,
                request: line.to_string(),
                status: 0,
            });
            log.len() - 1
        };
        let response = answer.await;
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log[index].status = response.status().as_u16();
        drop(log);
        self.answered.notify_all();
        response
    }

    /// Every call so far, once those that had arrived are answered (waiting at most ten
    /// seconds; one still unanswered then shows status 0).
    pub fn all(&self) -> Vec<Call> {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        let arrived = log.len();
        let (log, _) = self
            .answered
            .wait_timeout_while(log, ANSWER_WAIT, |log| {
                log[..arrived].iter().any(|c| c.status == 0)
            })
            .unwrap_or_else(|e| e.into_inner());
        log.clone()
    }
}
