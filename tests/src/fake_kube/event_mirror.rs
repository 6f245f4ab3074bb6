//! One event, two APIs: the API server keeps events.k8s.io/v1 Events and core v1 Events in
//! one storage, so an event a controller creates through the new API is what `kubectl
//! describe` reads through the old one (`involvedObject`, `message`, `count`,
//! `firstTimestamp`, `lastTimestamp`). This is the conversion.

use serde_json::{Value, json};

use super::kinds::ResourceType;
use super::objects::{Change, Key};

/// The change to core v1 Events that `change` (to an events.k8s.io Event) makes, when the
/// server serves core Events.
pub fn mirrored(types: &[ResourceType], change: &Change) -> Option<Change> {
    let core = types
        .iter()
        .find(|t| t.group.is_empty() && t.plural == "events")?;
    Some(Change {
        rv: change.rv,
        kind: change.kind,
        group: String::new(),
        plural: core.plural.clone(),
        object: core_event(&change.object),
    })
}

/// Where the mirrored event of `change` is kept.
pub fn key(change: &Change) -> Key {
    let meta = &change.object["metadata"];
    (
        String::new(),
        change.plural.clone(),
        meta["namespace"].as_str().unwrap_or_default().to_string(),
        meta["name"].as_str().unwrap_or_default().to_string(),
    )
}

/// The core v1 form of an events.k8s.io/v1 Event.
pub fn core_event(event: &Value) -> Value {
    let event_time = event.get("eventTime").cloned().unwrap_or(Value::Null);
    // Core timestamps have whole seconds.
    let seconds = |t: &Value| match t.as_str() {
        Some(text) => match text.split_once('.') {
            Some((whole, _)) => json!(format!("{whole}Z")),
            None => json!(text),
        },
        None => Value::Null,
    };
    let first = event
        .get("deprecatedFirstTimestamp")
        .cloned()
        .unwrap_or_else(|| seconds(&event_time));
    let last = event
        .pointer("/series/lastObservedTime")
        .map(seconds)
        .or_else(|| event.get("deprecatedLastTimestamp").cloned())
        .unwrap_or_else(|| first.clone());
    let count = event
        .pointer("/series/count")
        .or_else(|| event.get("deprecatedCount"))
        .cloned()
        .unwrap_or(json!(1));
    let controller = event
        .get("reportingController")
        .cloned()
        .unwrap_or(Value::Null);
    let mut core = json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": event.get("metadata").cloned().unwrap_or(json!({})),
        "involvedObject": event.get("regarding").cloned().unwrap_or(json!({})),
        "reason": event.get("reason").cloned().unwrap_or(Value::Null),
        "message": event.get("note").cloned().unwrap_or(Value::Null),
        "type": event.get("type").cloned().unwrap_or(Value::Null),
        "action": event.get("action").cloned().unwrap_or(Value::Null),
        "source": {"component": controller},
        "reportingComponent": controller,
        "reportingInstance": event.get("reportingInstance").cloned().unwrap_or(Value::Null),
        "eventTime": event_time,
        "firstTimestamp": first,
        "lastTimestamp": last,
        "count": count,
    });
    if let Some(related) = event.get("related") {
        core["related"] = related.clone();
    }
    if let Some(series) = event.get("series") {
        core["series"] = series.clone();
    }
    core
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_api_event_reads_as_a_core_event() {
        let event = json!({
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "s.1", "namespace": "flow"},
            "regarding": {"kind": "Subscription", "name": "s", "uid": "u"},
            "reason": "PullRequestOpened", "note": "opened #4", "type": "Normal",
            "action": "OpenPullRequest", "reportingController": "sluice",
            "eventTime": "2026-12-01T06:00:00.123456Z",
        });
        let core = core_event(&event);
        assert_eq!(core["involvedObject"]["uid"], "u");
        assert_eq!(core["message"], "opened #4");
        assert_eq!(core["firstTimestamp"], "2026-12-01T06:00:00Z");
        assert_eq!(core["lastTimestamp"], "2026-12-01T06:00:00Z");
        assert_eq!(core["count"], 1);
        assert_eq!(core["source"]["component"], "sluice");

        let mut repeated = event.clone();
        repeated["series"] = json!({"count": 3, "lastObservedTime": "2026-12-01T06:05:00.5Z"});
        let core = core_event(&repeated);
        assert_eq!(core["count"], 3);
        assert_eq!(core["lastTimestamp"], "2026-12-01T06:05:00Z");
        assert_eq!(core["firstTimestamp"], "2026-12-01T06:00:00Z");
    }
}
