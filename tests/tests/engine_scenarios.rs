//! The engine in this process against a forge that fails as hosted forges do, one
//! scenario per class of failure: a rate limit's `Retry-After` is waited out even when
//! new input arrives, a permanent refusal stalls with its reason and is not retried until
//! an input changes, and a conflict re-plans at once within the same cycle.

use std::time::Duration;

use sluice::engine::CycleResult;
use sluice_core::flow::status::Standing;
use sluice_core::model::{ConditionStatus, ConditionType};
use sluice_tests::scripted_forge::harness::{InProcess, KEY};
use sluice_tests::scripted_forge::{Fault, Op};

const LIMIT: Duration = Duration::from_secs(30);

async fn until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + LIMIT;
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} within {LIMIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_forge_is_not_called_again_before_its_retry_after() {
    let tmp = tempfile::tempdir().unwrap();
    let world = InProcess::start(tmp.path(), "[{name: NoRequestedChanges}]");
    world
        .forge
        .fail_next(Op::Create, Fault::RateLimited(Duration::from_secs(2)));
    let _workers = world.engine.spawn();
    world.publish("1", "2.0.0");
    until("the first attempt to open", || {
        !world.forge.calls(Op::Create).is_empty()
    })
    .await;
    until("status saying it waits as asked", || {
        let row = world.status();
        row.summary.reason == "Retrying" && row.summary.message.contains("retrying in 2 s")
    })
    .await;
    // A changed input arrives while the forge asked to wait.
    world.publish("2", "2.0.1");
    until("the second attempt to open", || {
        world.forge.calls(Op::Create).len() >= 2
    })
    .await;
    let calls = world.forge.calls(Op::Create);
    let gap = calls[1] - calls[0];
    assert!(
        gap >= Duration::from_secs(2),
        "called again after {gap:?}, before the 2 s the forge asked for"
    );
    until("the update merged", || world.target_version() == "2.0.1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_refusal_stalls_with_its_reason_until_an_input_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let world = InProcess::start(tmp.path(), "[{name: NoRequestedChanges}]");
    let refusal = "Resource not accessible by integration (HTTP 403)";
    world
        .forge
        .fail_always(Op::Create, Fault::Rejected(refusal.into()));
    let _workers = world.engine.spawn();
    // The first pass (from loading the config) ends before the build arrives: a build
    // published while a cycle runs wakes the key once more, even one about to stall.
    until("the first pass", || {
        world.status().summary.condition == Standing::Ready
    })
    .await;
    world.publish("1", "2.0.0");
    until("the subscription stalled", || {
        world.status().summary.condition == Standing::Stalled
    })
    .await;
    let row = world.status();
    assert_eq!(row.summary.reason, "ActionFailed");
    assert!(
        row.summary.message.contains(refusal),
        "{}",
        row.summary.message
    );
    // The kstatus conditions say the same: Stalled with the reason, Ready false.
    let stalled = row
        .conditions
        .iter()
        .find(|c| c.type_ == ConditionType::Stalled)
        .expect("a Stalled condition");
    assert_eq!(
        (stalled.status, stalled.reason.as_str()),
        (ConditionStatus::True, "ActionFailed")
    );
    // Backoff would have tried again within 1.5 s (0.5-1 s, then 1-2 s).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(world.forge.calls(Op::Create).len(), 1, "retried a refusal");
    assert_eq!(world.status().summary.condition, Standing::Stalled);

    // The operator grants the permission; a new build is a changed input.
    world.forge.heal(Op::Create);
    world.publish("2", "2.0.1");
    until("the update merged", || world.target_version() == "2.0.1").await;
    assert_eq!(world.forge.calls(Op::Create).len(), 2);
    until("the stall cleared", || {
        world.status().summary.condition == Standing::Ready
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_replans_at_once_in_the_same_cycle() {
    let tmp = tempfile::tempdir().unwrap();
    let world = InProcess::start(tmp.path(), "[{name: NoRequestedChanges}]");
    world.forge.fail_next(Op::Merge, Fault::Conflict);
    // No workers: the cycle runs here, and its result is the whole story.
    world.publish("1", "2.0.0");
    let result = world.engine.reconcile(KEY).await;
    assert_eq!(result, CycleResult::Settled);
    let merges = world.forge.calls(Op::Merge);
    assert_eq!(merges.len(), 2, "merged again after the conflict");
    assert!(
        merges[1] - merges[0] < Duration::from_secs(1),
        "the conflict waited {:?} instead of re-planning at once",
        merges[1] - merges[0]
    );
    assert_eq!(world.target_version(), "2.0.0");
    assert_eq!(world.status().summary.condition, Standing::Ready);
}
