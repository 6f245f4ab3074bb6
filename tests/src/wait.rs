//! Waiting for a condition in end-to-end tests: poll, and fail naming what did not happen.
//! Every test that waits for something polls through here.

use std::fmt::Display;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// How often a condition is looked at again.
const INTERVAL: Duration = Duration::from_millis(100);

/// Polls `probe` every 100 ms until it returns a value, which is returned; `None` once
/// `limit` has passed (the probe runs at least once, and once more at the deadline).
pub fn poll<T>(limit: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = probe() {
            return Some(value);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        std::thread::sleep(INTERVAL.min(deadline - now));
    }
}

/// Polls `probe` until it returns a value, which is returned; panics naming `what` once
/// `limit` has passed.
pub fn until<T>(what: &str, limit: Duration, probe: impl FnMut() -> Option<T>) -> T {
    poll(limit, probe).unwrap_or_else(|| panic!("timed out waiting for {what}"))
}

/// Like [`until`] for a condition without a value.
pub fn until_true(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    until(what, limit, || check().then_some(()))
}

/// Like [`until`] for a probe that says why it is not there yet: the panic names `what`
/// and the last reason, such as the state a test was waiting to change.
pub fn until_ok<T, E: Display>(
    what: &str,
    limit: Duration,
    mut probe: impl FnMut() -> Result<T, E>,
) -> T {
    let mut last = None;
    let found = poll(limit, || match probe() {
        Ok(value) => Some(value),
        Err(reason) => {
            last = Some(reason);
            None
        }
    });
    found.unwrap_or_else(|| match last {
        Some(reason) => panic!("timed out waiting for {what}: {reason}"),
        None => panic!("timed out waiting for {what}"),
    })
}

/// The exit status of `child` once it ends by itself within `limit`; `None` when it is
/// still running then, after it has been killed and reaped.
pub fn exit(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let status = poll(limit, || child.try_wait().ok().flatten());
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    status
}

/// Like [`until_true`] inside an async test: sleeps on the runtime between looks.
pub async fn until_async(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_returns_the_first_value_and_gives_up_at_the_deadline() {
        let mut calls = 0;
        assert_eq!(
            poll(Duration::from_secs(5), || {
                calls += 1;
                (calls == 3).then_some(calls)
            }),
            Some(3)
        );
        assert_eq!(poll(Duration::from_millis(250), || None::<()>), None);
    }

    #[test]
    #[should_panic(expected = "timed out waiting for the answer: still 41")]
    fn until_ok_names_the_last_reason() {
        until_ok("the answer", Duration::from_millis(150), || {
            Err::<(), _>("still 41")
        });
    }

    #[test]
    fn exit_reaps_a_child_that_ends_and_kills_one_that_does_not() {
        let mut quick = std::process::Command::new("true").spawn().expect("true");
        let status = exit(&mut quick, Duration::from_secs(10)).expect("ended");
        assert!(status.success());
        let mut slow = std::process::Command::new("sleep")
            .arg("60")
            .spawn()
            .expect("sleep");
        assert_eq!(exit(&mut slow, Duration::from_millis(200)), None);
        assert!(slow.try_wait().expect("status").is_some(), "killed");
    }
}
