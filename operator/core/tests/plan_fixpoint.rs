//! The planner reaches a fixpoint: executing its actions on a simulated world and planning
//! again converges to an empty plan within a few rounds, never opens a second pull request
//! while one is open, and, when policies let it merge, leaves the wanted versions in the
//! target's manifest.

#[path = "plan_fixpoint/scenario.rs"]
mod scenario;
#[path = "plan_fixpoint/world.rs"]
mod world;

use proptest::prelude::*;
use sluice_core::flow::{Plan, Reason, SubscriptionState, plan, render};
use sluice_core::manifest;
use sluice_core::model::{ConditionType, PullRequestState};

use scenario::{Scenario, SubGen, UNKNOWN_BUILD};
use world::World;

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
        0u8..3,
    )
        .prop_map(
            |(mut subs, batch, auto_merge, manual_policy, pull_request, person)| {
                if !batch {
                    subs.truncate(1);
                }
                Scenario {
                    subs,
                    batch,
                    auto_merge,
                    manual_policy,
                    pull_request,
                    person,
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
        // A pull request a person took over may merge first, then the wanted builds follow
        // in one of their own: two rounds more.
        let limit = if sc.person > 0 { 6 } else { 4 };
        prop_assert!(
            rounds <= limit,
            "no fixpoint after {} rounds; last plan: {:?}",
            limit,
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
        let stalled = last.outcomes.values().any(|o| o.condition() == ConditionType::Stalled);
        // A pull request a person took over, which cannot merge as it is, waits for them.
        if world.taken_over() {
            prop_assert!(!world.notices.is_empty(), "taken over without a notice");
            let paused = last.outcomes.values().any(|o| {
                o.reason == Reason::UpdatesPausedForManualCommits
            });
            // Unless it has nothing left to propose, status says why it waits.
            let current = last.outcomes.values().all(|o| o.condition() == ConditionType::Ready);
            prop_assert!(paused || stalled || current, "status does not say why: {:?}", last.outcomes);
            return Ok(());
        }
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
            // Rejecting the forced build (or a newer one) withdraws the force.
            let forced = init.force
                && !world
                    .rejections
                    .iter()
                    .any(|(name, build)| *name == sub.name && *build >= requested);
            if !(forced || newer)
                || (!sub.state.force && sub.state.rejected_build.is_some_and(|r| requested <= r))
            {
                continue;
            }
            // A person's pull request that carried a newer build merged it instead.
            if world.persons_merge.get(&sub.name).is_some_and(|b| *b > requested) {
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
            let update = render::build_update(&sub.spec, &world.builds[&requested]);
            let changes = manifest::update(&world.files, &update).expect("valid manifest");
            prop_assert!(changes.is_empty(), "{} build {} not in the target: {:?}", sub.name, requested, changes.updates);
        }
    }
}
