//! The queue's rules: one run per key at a time, a host's share of the workers, and
//! backoff that only changed inputs cut short.

use super::*;

const A: &str = "git.a.example";
const RETRYABLE: Failure = Failure {
    class: FailureClass::Retryable,
    retry_after: None,
};
const B: &str = "git.b.example";

fn ready(q: &Queue) -> Vec<String> {
    let mut taken = Vec::new();
    while let Ok(key) = q.try_next() {
        taken.push(key);
    }
    taken
}

#[tokio::test]
async fn a_key_pushed_while_running_runs_again_once() {
    let q = Queue::new(2);
    q.push("a", A, Trigger::Build);
    q.push("a", A, Trigger::Build);
    q.push("b", B, Trigger::Build);
    assert_eq!(q.next().await, "a");
    q.push("a", A, Trigger::Build);
    q.push("a", A, Trigger::Revisit);
    assert_eq!(q.next().await, "b");
    q.done("a", false);
    assert_eq!(q.next().await, "a");
    q.done("a", false);
    q.done("b", false);
    assert_eq!(q.busy(), 0);
}

#[test]
fn a_saturated_host_lets_keys_of_other_hosts_go_first() {
    let q = Queue::new(1);
    for key in ["a1", "a2", "a3"] {
        q.push(key, A, Trigger::Build);
    }
    q.push("b1", B, Trigger::Build);
    q.push("b2", B, Trigger::Build);
    // One of A's keys runs; the other A keys wait without holding a worker.
    assert_eq!(ready(&q), vec!["a1", "b1"]);
    assert_eq!(q.busy(), 5, "three still queued, two running");
    q.done("b1", false);
    assert_eq!(ready(&q), vec!["b2"]);
    q.done("a1", true);
    // A has a free slot again: its next key runs, in queue order.
    assert_eq!(ready(&q), vec!["a2"]);
}

#[test]
fn two_slots_per_host_with_a_limit_of_two() {
    let q = Queue::new(2);
    for key in ["a1", "a2", "a3", "b1"] {
        q.push(
            key,
            if key.starts_with('a') { A } else { B },
            Trigger::Build,
        );
    }
    assert_eq!(ready(&q), vec!["a1", "a2", "b1"]);
}

#[test]
fn a_key_in_backoff_ignores_ticks_and_wakes_on_changed_inputs() {
    let q = Queue::new(1);
    q.push("k", A, Trigger::Build);
    assert_eq!(ready(&q), vec!["k"]);
    q.finish_with_jitter("k", Some(RETRYABLE), 0.0);
    assert!(q.backoff_until("k").is_some());
    for tick in [Trigger::Revisit, Trigger::Schedule, Trigger::TargetMoved] {
        q.push("k", A, tick);
        assert!(ready(&q).is_empty(), "{tick:?} woke a key in backoff");
        assert!(q.backoff_until("k").is_some());
    }
    for input in [
        Trigger::Build,
        Trigger::Report,
        Trigger::Manual,
        Trigger::Config,
    ] {
        q.push("k", A, input);
        assert_eq!(ready(&q), vec!["k"], "{input:?}");
        assert!(q.backoff_until("k").is_none());
        q.finish_with_jitter("k", Some(RETRYABLE), 0.0);
    }
}

#[test]
fn a_tick_while_a_failing_cycle_runs_does_not_skip_the_backoff() {
    let q = Queue::new(1);
    q.push("k", A, Trigger::Build);
    assert_eq!(ready(&q), vec!["k"]);
    q.push("k", A, Trigger::Revisit);
    q.done("k", true);
    assert!(ready(&q).is_empty());
    assert!(q.backoff_until("k").is_some());

    // A report while it runs is a changed input: run again at once.
    q.push("k", A, Trigger::Build);
    assert_eq!(ready(&q), vec!["k"]);
    q.push("k", A, Trigger::Report);
    q.done("k", true);
    assert_eq!(ready(&q), vec!["k"]);
    // After a success, a tick while running runs it again.
    q.push("k", A, Trigger::Revisit);
    q.done("k", false);
    assert_eq!(ready(&q), vec!["k"]);
}

#[test]
fn backoff_grows_with_failures_in_a_row_and_resets_on_success() {
    let q = Queue::new(1);
    let fail = |expected: Duration| {
        q.push("k", A, Trigger::Build);
        assert_eq!(ready(&q), vec!["k"]);
        let before = Instant::now();
        q.finish_with_jitter("k", Some(RETRYABLE), 0.0);
        let after = Instant::now();
        let until = q.backoff_until("k").unwrap();
        assert!(
            until >= before + expected && until <= after + expected,
            "expected a backoff of {expected:?}"
        );
    };
    let ms = Duration::from_millis;
    fail(ms(500));
    fail(ms(1000));
    fail(ms(2000));
    fail(ms(4000));
    q.push("k", A, Trigger::Build);
    assert_eq!(ready(&q), vec!["k"]);
    q.done("k", false);
    fail(ms(500));
}

#[tokio::test]
async fn a_waiting_worker_takes_a_key_when_its_host_frees_up() {
    let q = std::sync::Arc::new(Queue::new(1));
    q.push("a1", A, Trigger::Build);
    q.push("a2", A, Trigger::Build);
    assert_eq!(q.next().await, "a1");
    let waiter = tokio::spawn({
        let q = q.clone();
        async move { q.next().await }
    });
    tokio::task::yield_now().await;
    q.done("a1", false);
    assert_eq!(waiter.await.unwrap(), "a2");
}

#[test]
fn a_wait_the_remote_asked_for_holds_against_every_trigger() {
    let q = Queue::new(1);
    q.push("k", A, Trigger::Build);
    assert_eq!(ready(&q), vec!["k"]);
    // A changed input arrives while the cycle runs into a 429.
    q.push("k", A, Trigger::Build);
    let asked = Failure {
        class: FailureClass::Retryable,
        retry_after: Some(Duration::from_secs(2)),
    };
    let before = Instant::now();
    q.finish_with_jitter("k", Some(asked), 0.0);
    let until = q.backoff_until("k").expect("held");
    assert!(until >= before + Duration::from_secs(2));
    for trigger in [
        Trigger::Build,
        Trigger::Report,
        Trigger::Manual,
        Trigger::Config,
        Trigger::Revisit,
    ] {
        q.push("k", A, trigger);
        assert!(ready(&q).is_empty(), "{trigger:?} cut a Retry-After short");
    }
    assert_eq!(q.backoff_until("k"), Some(until));
}

#[test]
fn a_permanent_failure_waits_for_a_changed_input() {
    let q = Queue::new(1);
    let permanent = Failure {
        class: FailureClass::Permanent,
        retry_after: None,
    };
    q.push("k", A, Trigger::Build);
    assert_eq!(ready(&q), vec!["k"]);
    q.finish_with_jitter("k", Some(permanent), 0.0);
    assert!(q.backoff_until("k").is_none(), "not retried");
    assert!(ready(&q).is_empty());
    assert!(!q.failing("k"));
    for tick in [Trigger::Revisit, Trigger::Schedule] {
        q.push("k", A, tick);
        assert!(ready(&q).is_empty(), "{tick:?} ran a parked key");
    }
    q.push("k", A, Trigger::Config);
    assert_eq!(ready(&q), vec!["k"]);
    // A tick that came while a permanently failing cycle ran does not run it again.
    q.push("k", A, Trigger::Revisit);
    q.finish_with_jitter("k", Some(permanent), 0.0);
    assert!(ready(&q).is_empty());
    // The target moving while it ran may have mended what failed: run again.
    q.push("k", A, Trigger::Manual);
    assert_eq!(ready(&q), vec!["k"]);
    q.push("k", A, Trigger::TargetMoved);
    q.finish_with_jitter("k", Some(permanent), 0.0);
    assert_eq!(ready(&q), vec!["k"]);
}
