//! What a newly loaded configuration may do: whether it can be put in force at all, and
//! which update keys it wakes.
//!
//! A configuration source that breaks (an unmounted volume, an empty checkout, a directory
//! caught half-written) can look like a valid configuration with nothing in it. Put in force,
//! it would retire every subscription and close every open pull request. An empty
//! configuration is therefore refused while sluice tracks open pull requests; a person who
//! really wants to stop all flow disables the subscriptions instead, which keeps the intent
//! visible.

use std::collections::BTreeMap;

/// Why a loaded configuration is not put in force.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReloadRefusal {
    /// The configuration declares no subscription while pull requests are open.
    #[error(
        "the configuration declares no subscriptions, which would close {open_pull_requests} \
         open pull request(s); an empty configuration is taken for a broken source and not put \
         in force (disable the subscriptions to stop the flow on purpose)"
    )]
    EmptyWithOpenPullRequests {
        /// Open pull requests sluice tracks.
        open_pull_requests: usize,
    },
}

/// Whether a configuration with `subscriptions` subscriptions (enabled or not) may replace
/// the one in force while `open_pull_requests` update pull requests are open.
pub fn accept(subscriptions: usize, open_pull_requests: usize) -> Result<(), ReloadRefusal> {
    if subscriptions == 0 && open_pull_requests > 0 {
        return Err(ReloadRefusal::EmptyWithOpenPullRequests { open_pull_requests });
    }
    Ok(())
}

/// The keys a new configuration wakes: every key on the first load (`old` is `None`),
/// afterwards only keys that are new, changed or gone. `old` and `new` map each key to
/// everything its plan depends on in the configuration.
pub fn keys_to_wake<K: Ord + Clone, V: PartialEq>(
    old: Option<&BTreeMap<K, V>>,
    new: &BTreeMap<K, V>,
) -> Vec<K> {
    let Some(old) = old else {
        return new.keys().cloned().collect();
    };
    let mut keys: Vec<K> = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    keys.extend(old.keys().filter(|k| !new.contains_key(*k)).cloned());
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_configuration_never_retires_open_pull_requests() {
        let cases = [(0, 0, true), (0, 3, false), (1, 3, true), (2_000, 0, true)];
        for (subs, open, accepted) in cases {
            assert_eq!(
                accept(subs, open).is_ok(),
                accepted,
                "{subs} subs, {open} open"
            );
        }
        let message = accept(0, 3).unwrap_err().to_string();
        assert!(message.contains("3 open pull request"), "{message}");
    }

    #[test]
    fn only_new_changed_and_removed_keys_wake_after_the_first_load() {
        let old: BTreeMap<&str, i32> = [("a", 1), ("b", 2), ("c", 3)].into();
        let new: BTreeMap<&str, i32> = [("a", 1), ("b", 20), ("d", 4)].into();
        assert_eq!(keys_to_wake(None, &new), vec!["a", "b", "d"]);
        assert_eq!(keys_to_wake(Some(&old), &new), vec!["b", "d", "c"]);
        assert!(keys_to_wake(Some(&new), &new).is_empty());
    }
}
