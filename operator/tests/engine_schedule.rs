//! Scheduled subscriptions fire at their due times with the newest build on their channel,
//! once per due time; EveryBuild ones fire on publication and `None` never fires.

mod in_memory_engine;

use sluice::engine::{Engine, parse_rfc3339};
use sluice::store::{NewBuild, Store};

const SOURCE: &str = "https://github.com/contoso/runtime";

fn config() -> String {
    let mut docs = vec![
        "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: dev}\nspec: {}\n"
            .to_string(),
    ];
    for (name, frequency) in [
        ("daily", "EveryDay"),
        ("weekly", "EveryWeek"),
        ("never", "None"),
        ("every", "EveryBuild"),
    ] {
        docs.push(format!(
            "apiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: {name}}}\nspec:\n  source: {{repository: \"{SOURCE}\", channel: dev}}\n  target: {{repository: \"https://github.com/contoso/{name}\", branch: main}}\n  updateFrequency: {frequency}\n"
        ));
    }
    docs.join("---\n")
}

fn publish(engine: &Engine, number: &str) -> i64 {
    let build = NewBuild {
        repository: SOURCE.into(),
        branch: "main".into(),
        commit: "ab".repeat(20),
        build_number: number.into(),
        produced_at: "2026-11-15T00:00:00Z".into(),
        assets: vec![],
        channels: vec!["dev".into()],
    };
    engine.publish_build(&build).unwrap().build.id
}

fn at(text: &str) -> i64 {
    parse_rfc3339(text).unwrap()
}

#[test]
fn scheduled_subscriptions_fire_once_per_due_time_with_the_newest_build() {
    let tmp = tempfile::tempdir().unwrap();
    let (engine, store) = in_memory_engine::start(tmp.path(), &config());
    for name in ["daily", "weekly", "never", "every"] {
        store
            .update_subscription(name, &mut |r| {
                r.first_seen = Some(at("2026-11-16T04:00:00Z"))
            })
            .unwrap();
    }
    let requested = |name: &str| store.subscription(name).unwrap().state.requested_build;

    let first = publish(&engine, "1");
    assert_eq!(
        requested("every"),
        Some(first),
        "EveryBuild fires on publication"
    );
    assert_eq!(
        requested("daily"),
        None,
        "scheduled ones wait for their time"
    );

    // Monday 2026-11-16: nothing before 05:00; at 05:00 the daily and the weekly one.
    assert!(
        engine
            .fire_due_schedules_at(at("2026-11-16T04:59:59Z"))
            .is_empty()
    );
    assert_eq!(
        engine.fire_due_schedules_at(at("2026-11-16T05:00:00Z")),
        ["daily", "weekly"]
    );
    assert_eq!(requested("daily"), Some(first));
    assert_eq!(requested("weekly"), Some(first));
    assert!(
        engine
            .fire_due_schedules_at(at("2026-11-16T18:00:00Z"))
            .is_empty(),
        "once per due time"
    );

    // Tuesday: a newer build, and only the daily one is due.
    let second = publish(&engine, "2");
    assert_eq!(
        engine.fire_due_schedules_at(at("2026-11-17T05:00:01Z")),
        ["daily"]
    );
    assert_eq!(requested("daily"), Some(second));
    assert_eq!(requested("weekly"), Some(first));
    assert_eq!(requested("never"), None, "None never fires by itself");

    // A week later, the weekly one takes the newest build.
    let fired = engine.fire_due_schedules_at(at("2026-11-23T05:00:00Z"));
    assert!(fired.contains(&"weekly".to_string()), "{fired:?}");
    assert_eq!(requested("weekly"), Some(second));

    // Status says when each scheduled one fires next, counting from when it last fired.
    let status = engine.status().unwrap();
    let next = |name: &str| {
        status
            .iter()
            .find(|r| r.name == name)
            .and_then(|r| r.next_update.clone())
    };
    assert_eq!(next("daily").as_deref(), Some("2026-11-24T05:00:00Z"));
    assert_eq!(next("weekly").as_deref(), Some("2026-11-30T05:00:00Z"));
    assert_eq!(next("never"), None);
    assert_eq!(next("every"), None);
}
