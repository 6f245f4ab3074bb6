//! Fencing: leadership is checked right before every action, so a replica that loses its
//! lease in the middle of a cycle (after opening the pull request, before merging it)
//! merges nothing; a standby runs no cycle and merges nothing asked through its API; the
//! replica that holds the lease again finishes the flow from what it observes.

use sluice::engine::CycleResult;
use sluice_tests::scripted_forge::Op;
use sluice_tests::scripted_forge::harness::{InProcess, KEY};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_that_loses_its_lease_mid_cycle_merges_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    // A policy that passes at once: one cycle pushes, opens and merges.
    let world = InProcess::start(tmp.path(), "[{name: NoRequestedChanges}]");
    let may_act = world.engine.may_act().clone();
    // The lease is lost while the pull request is being opened.
    world.forge.on_call(Op::Create, move || {
        may_act.set(false);
    });
    world.publish("1", "2.0.0");
    let result = world.engine.reconcile(KEY).await;
    assert_eq!(
        world.forge.calls(Op::Create).len(),
        1,
        "the pull request opened"
    );
    assert_eq!(result, CycleResult::Settled);
    assert!(
        world.forge.calls(Op::Merge).is_empty(),
        "merged after leadership was lost"
    );
    assert_eq!(world.target_version(), "1.0.0");

    // A standby's cycle does nothing at all.
    let calls_before = world.forge.calls(Op::Find).len() + world.forge.calls(Op::Get).len();
    assert_eq!(world.engine.reconcile(KEY).await, CycleResult::Settled);
    assert_eq!(
        world.forge.calls(Op::Find).len() + world.forge.calls(Op::Get).len(),
        calls_before,
        "a standby observed the forge"
    );
    assert!(world.forge.calls(Op::Merge).is_empty());
    // Nor does a person's merge asked of it through the API.
    let refused = world.engine.merge_local_pull_request(1).await.unwrap_err();
    assert!(refused.to_string().contains("standing by"), "{refused}");
    assert!(world.forge.calls(Op::Merge).is_empty());

    // Holding the lease again: the same pull request is found and merged.
    world.engine.may_act().set(true);
    let mut merged = false;
    for _ in 0..3 {
        world.engine.reconcile(KEY).await;
        if world.target_version() == "2.0.0" {
            merged = true;
            break;
        }
    }
    assert!(merged, "the update merged once the lease is held again");
    assert_eq!(
        world.forge.calls(Op::Create).len(),
        1,
        "no second pull request"
    );
    assert_eq!(world.forge.calls(Op::Merge).len(), 1);
}
