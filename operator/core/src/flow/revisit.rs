//! When an open pull request is looked at again without being told to (checks and reviews
//! reported to sluice trigger a look at once): every base interval while it is young, then
//! less often, doubling with each hour of age, at most hourly. A target branch that moved
//! is noticed sooner: whenever its repository's ref advertisement is read, the pull
//! requests built on another commit are looked at again ([`moved_targets`]).

use std::collections::BTreeMap;

/// The revisit interval of a pull request `age_secs` old, for a base interval `base_secs`.
pub fn revisit_interval(base_secs: u64, age_secs: i64) -> u64 {
    let hours = u32::try_from(age_secs.max(0) / 3600)
        .unwrap_or(u32::MAX)
        .min(6);
    base_secs.max(1).saturating_mul(1 << hours).min(3600)
}

/// Whether a pull request opened at `created` and last looked at `last_visit` (never:
/// `None`) is due at `now`. Times are Unix seconds.
pub fn revisit_due(now: i64, created: i64, last_visit: Option<i64>, base_secs: u64) -> bool {
    let interval = revisit_interval(base_secs, now - created) as i64;
    last_visit.is_none_or(|visited| now - visited >= interval)
}

/// An open pull request as [`moved_targets`] sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltOn<'a> {
    /// The update key's id.
    pub key: &'a str,
    /// The target branch.
    pub branch: &'a str,
    /// The target commit the pull request's update was built on (empty: unknown).
    pub base_commit: &'a str,
}

/// The keys of the open pull requests whose target branch is, by the repository's ref
/// advertisement `heads` (branch to commit), not where their update was built: each needs
/// rebuilding on the new head. A branch missing from the advertisement moves nothing here
/// (the next cycle of the key sees that for itself).
pub fn moved_targets(heads: &BTreeMap<String, String>, open: &[BuiltOn<'_>]) -> Vec<String> {
    let mut keys: Vec<String> = open
        .iter()
        .filter(|pr| {
            heads
                .get(pr.branch)
                .is_some_and(|head| !head.eq_ignore_ascii_case(pr.base_commit))
        })
        .map(|pr| pr.key.to_string())
        .collect();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_requests_built_on_another_head_are_noticed() {
        let heads: BTreeMap<String, String> = [("main", "bbb"), ("release", "ccc")]
            .into_iter()
            .map(|(b, c)| (b.to_string(), c.to_string()))
            .collect();
        let on = |key, branch, base_commit| BuiltOn {
            key,
            branch,
            base_commit,
        };
        let open = [
            on("sub/moved", "main", "aaa"),
            on("sub/current", "main", "bbb"),
            on("sub/current-upper", "release", "CCC"),
            on("sub/unknown-base", "release", ""),
            on("sub/branch-gone", "gone", "aaa"),
        ];
        assert_eq!(
            moved_targets(&heads, &open),
            vec!["sub/moved".to_string(), "sub/unknown-base".to_string()]
        );
        assert!(moved_targets(&BTreeMap::new(), &open).is_empty());
    }

    #[test]
    fn intervals_double_with_age_up_to_an_hour() {
        for (age_hours, want) in [
            (0, 300),
            (1, 600),
            (2, 1200),
            (3, 2400),
            (4, 3600),
            (100, 3600),
        ] {
            assert_eq!(
                revisit_interval(300, age_hours * 3600),
                want,
                "{age_hours} h"
            );
        }
        assert_eq!(revisit_interval(0, 0), 1, "a zero base still advances");
    }

    #[test]
    fn due_once_per_interval() {
        let created = 1_000_000;
        assert!(revisit_due(created, created, None, 300), "never looked at");
        assert!(!revisit_due(created + 299, created, Some(created), 300));
        assert!(revisit_due(created + 300, created, Some(created), 300));
        // Two hours old: every 20 minutes.
        let now = created + 7200;
        assert!(!revisit_due(now, created, Some(now - 1199), 300));
        assert!(revisit_due(now, created, Some(now - 1200), 300));
    }
}
