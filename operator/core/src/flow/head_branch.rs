//! Whose commits the head branch of an open update pull request carries, and what sluice
//! does about it: it owns the branch while the branch holds only what sluice wrote (or
//! nothing of its own), and stops updating it once a person added commits.

use super::types::PullRequestObservation;

/// Facts the engine observed about the head branch's tip when it is not at the recorded
/// `head_commit` (all false otherwise). Observed, never decided: [`classify`] decides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TipAncestry {
    /// The recorded `head_commit` is an ancestor of the tip: commits were added on top of
    /// the update sluice pushed.
    pub contains_recorded_head: bool,
    /// The tip is the target head or one of its ancestors: the branch was reset to the
    /// target and carries nothing of its own.
    pub within_target: bool,
    /// The target head is the tip or one of its ancestors: merging the tip brings nothing
    /// older than the target.
    pub contains_target: bool,
    /// The tip was committed with sluice's own identity (a push that landed before it was
    /// recorded).
    pub committed_by_sluice: bool,
}

/// Who the head branch of an open pull request belongs to now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadBranch {
    /// The branch is where sluice left it.
    AtRecordedHead,
    /// The branch is missing, reset to the target, or holds an unrecorded push of sluice's
    /// own: sluice rebuilds the update over its real tip (`None`: creates it again).
    Rebuild {
        /// Where the branch is, the compare-and-swap value of the push.
        tip: Option<String>,
    },
    /// A person put commits on the branch that sluice did not write: sluice stops
    /// force-pushing it and leaves it to them.
    PersonsCommits {
        /// The branch's tip, the head policies are evaluated on and a merge must name.
        tip: String,
        /// The tip contains the target head, so it can be merged as it is.
        contains_target: bool,
    },
}

/// Classifies the head branch of an open pull request from what was observed.
pub fn classify(pr: &PullRequestObservation) -> HeadBranch {
    let Some(tip) = pr.head_branch_tip.as_deref() else {
        return HeadBranch::Rebuild { tip: None };
    };
    if tip == pr.head_commit {
        return HeadBranch::AtRecordedHead;
    }
    let seen = pr.tip_ancestry;
    let persons = seen.contains_recorded_head || !(seen.within_target || seen.committed_by_sluice);
    if persons {
        HeadBranch::PersonsCommits {
            tip: tip.to_string(),
            contains_target: seen.contains_target,
        }
    } else {
        HeadBranch::Rebuild {
            tip: Some(tip.to_string()),
        }
    }
}

/// The comment posted once when sluice stops updating a pull request.
pub fn notice(head_branch: &str, tip: &str, recorded_head: &str) -> String {
    format!(
        "sluice stopped updating this pull request: its head branch `{head_branch}` is at \
         {tip}, which carries commits sluice did not write. sluice will not force-push over \
         them; newer builds wait until this pull request is merged or closed. Merge policies \
         are evaluated on {tip}. To let sluice take the pull request over again, close it, \
         or reset `{head_branch}` to {recorded_head} (the last update sluice pushed)."
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::PullRequestState;

    fn pr(tip: Option<&str>, seen: TipAncestry) -> PullRequestObservation {
        PullRequestObservation {
            id: "7".into(),
            url: "https://github.com/contoso/sdk/pull/7".into(),
            state: PullRequestState::Open,
            head_commit: "p1".into(),
            base_commit: "h1".into(),
            head_branch_tip: tip.map(str::to_string),
            tip_ancestry: seen,
            carried: BTreeMap::new(),
            checks: vec![],
            reviews: vec![],
            failure_commented: false,
            manual_commits_noticed: false,
            settled: false,
        }
    }

    #[test]
    fn whose_head_branch_it_is() {
        let none = TipAncestry::default();
        let ahead = TipAncestry {
            contains_recorded_head: true,
            contains_target: true,
            ..none
        };
        let reset = TipAncestry {
            within_target: true,
            contains_target: true,
            ..none
        };
        let sluices = TipAncestry {
            committed_by_sluice: true,
            contains_target: true,
            ..none
        };
        let persons = |tip: &str, contains_target| HeadBranch::PersonsCommits {
            tip: tip.into(),
            contains_target,
        };
        let rebuild = |tip: Option<&str>| HeadBranch::Rebuild {
            tip: tip.map(str::to_string),
        };
        let cases: [(&str, Option<&str>, TipAncestry, HeadBranch); 7] = [
            (
                "where sluice left it",
                Some("p1"),
                none,
                HeadBranch::AtRecordedHead,
            ),
            ("deleted", None, none, rebuild(None)),
            (
                "reset to the target",
                Some("h1"),
                reset,
                rebuild(Some("h1")),
            ),
            (
                "sluice's unrecorded push",
                Some("p2"),
                sluices,
                rebuild(Some("p2")),
            ),
            (
                "a person's commit on top",
                Some("c1"),
                ahead,
                persons("c1", true),
            ),
            (
                "a person's commit on top, committed as sluice",
                Some("c1"),
                TipAncestry {
                    committed_by_sluice: true,
                    ..ahead
                },
                persons("c1", true),
            ),
            (
                "rewritten by a person",
                Some("x1"),
                none,
                persons("x1", false),
            ),
        ];
        for (case, tip, seen, want) in cases {
            assert_eq!(classify(&pr(tip, seen)), want, "{case}");
        }
    }

    #[test]
    fn the_notice_says_how_to_hand_back() {
        let body = notice("sluice/main/sub", "c1", "p1");
        assert!(
            body.contains("did not write") && body.contains("c1"),
            "{body}"
        );
        assert!(body.contains("close it") && body.contains("reset `sluice/main/sub` to p1"));
    }
}
