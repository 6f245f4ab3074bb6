//! The planner reaches a fixpoint: executing its actions on a simulated world and planning
//! again converges to an empty plan within a few rounds, never opens a second pull request
//! while one is open, and, when policies let it merge, leaves the wanted versions in the
//! target's manifest.

#[path = "plan_fixpoint/world.rs"]
mod world;

use proptest::prelude::*;
use sluice_core::flow::{Outcome, Plan, SubscriptionState, plan};
use sluice_core::manifest::{self, BuildUpdate};
use sluice_core::model::PullRequestState;

use world::{Scenario, SubGen, UNKNOWN_BUILD, World};

fn sub_gen() -> impl Strategy<Value = SubGen> {
    (
        prop::collection::vec((prop::option::of(0u8..4), prop::option::of(0u8..4)), 1..=3),
        prop::option::of(0u8..3),
        prop::bool::weighted(0.1),
        prop::option::of(0u8..3),
        prop::option::weighted(0.2, 0u8..3),
        prop::bool::weighted(0.15),
        prop::option::of(0u8..3),
    )
        .prop_map(
            |(builds, requested, unknown, applied, rejected, force, carried)| SubGen {
                builds,
                requested,
                unknown,
                applied,
                rejected,
                force,
                carried,
            },
        )
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(sub_gen(), 1..=3),
        any::<bool>(),
        prop::bool::weighted(0.7),
        0u8..3,
        0u8..3,
    )
        .prop_map(
            |(mut subs, batch, auto_merge, manual_policy, pull_request)| {
                if !batch {
                    subs.truncate(1);
                }
                Scenario {
                    subs,
                    batch,
                    auto_merge,
                    manual_policy,
                    pull_request,
                }
            },
        )
}

fn converge(sc: &Scenario) -> Result<(World, Plan), TestCaseError> {
    let mut world = World::new(sc);
    let mut rounds = 0;
    loop {
        let p = plan(&world.input());
        prop_assert_eq!(&p, &plan(&world.input()), "planning is deterministic");
        if p.actions.is_empty() {
            break;
        }
        rounds += 1;
        prop_assert!(
            rounds <= 4,
            "no fixpoint after 4 rounds; last plan: {:?}",
            p.actions
        );
        for action in &p.actions {
            world.execute(action)?;
        }
    }
    let last = plan(&world.input());
    prop_assert!(last.actions.is_empty());
    Ok((world, last))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn flow_plan_reaches_a_fixpoint(sc in scenario()) {
        let initial: Vec<SubscriptionState> =
            World::new(&sc).subscriptions.into_iter().map(|s| s.state).collect();
        let (world, last) = converge(&sc)?;
        // A stalled subscription waits for its input to change, its pull request with it.
        let stalled = last.outcomes.values().any(|o| matches!(o, Outcome::Stalled { .. }));
        if !sc.auto_merge || stalled {
            return Ok(());
        }
        let open = world.pull_request.as_ref().is_some_and(|p| p.state == PullRequestState::Open);
        prop_assert!(!open, "auto-merge left a pull request open: {:?}", world.pull_request);
        for (sub, init) in world.subscriptions.iter().zip(&initial) {
            let Some(requested) = sub.state.requested_build.filter(|b| *b != UNKNOWN_BUILD) else {
                continue;
            };
            // Only builds the subscription wanted: newer than the applied one (or forced),
            // not rejected. (A person closing the pull request of a forced build withdraws
            // the force.)
            let newer = init.last_applied_build.is_none_or(|a| requested > a);
            // Recording any rejection clears `force` (the engine's rule), withdrawing it.
            let forced = init.force && !world.rejections.contains(&sub.name);
            if !(forced || newer)
                || (!sub.state.force && sub.state.rejected_build.is_some_and(|r| requested <= r))
            {
                continue;
            }
            // Applied builds only move up: a forced older build leaves the newer record.
            prop_assert!(
                sub.state.last_applied_build.is_some_and(|a| a >= requested),
                "{} applied {:?}, requested {}",
                sub.name,
                sub.state.last_applied_build,
                requested
            );
            let build = &world.builds[&requested];
            let update = BuildUpdate {
                source_repo: build.repository.clone(),
                commit: build.commit.clone(),
                assets: build
                    .assets
                    .iter()
                    .map(|a| manifest::Asset { name: a.name.clone(), version: a.version.clone(), locations: vec![] })
                    .collect(),
                source_global_json: None,
            };
            let changes = manifest::update(&world.files, &update).expect("valid manifest");
            prop_assert!(changes.is_empty(), "{} build {} not in the target: {:?}", sub.name, requested, changes.updates);
        }
    }
}
