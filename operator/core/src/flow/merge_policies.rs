//! Which merge policies a key's pull request merges under.

use crate::model::{
    MergeMethod, MergePolicy, RepositoryPolicySpec, RepositoryUrl, SubscriptionSpec,
};

use super::types::UpdateKey;

/// The merge policies of `key`, whose first subscription is `spec`: a subscription's key
/// takes the subscription's own policies; a batch key (several batchable subscriptions into
/// one branch) takes the [`RepositoryPolicySpec`] declared for its target repository and
/// branch, and without one it has none (its pull requests wait for a person). Repositories
/// are compared by identity, so `https://github.com/a/b.git` and `https://GitHub.com/a/b`
/// are one; a URL that does not parse matches nothing.
pub fn effective_merge_policies(
    key: &UpdateKey,
    spec: &SubscriptionSpec,
    policies: &[RepositoryPolicySpec],
) -> Vec<MergePolicy> {
    match key {
        UpdateKey::Subscription { .. } => spec.merge_policies.clone(),
        UpdateKey::Batch { .. } => {
            let Ok(target) = RepositoryUrl::parse(&spec.target.repository) else {
                return Vec::new();
            };
            policies
                .iter()
                .find(|p| {
                    p.branch == spec.target.branch
                        && RepositoryUrl::parse(&p.repository).is_ok_and(|r| r == target)
                })
                .map(|p| p.merge_policies.clone())
                .unwrap_or_default()
        }
    }
}

/// How the pull requests of a key targeting `spec`'s repository and branch merge: the
/// [`RepositoryPolicySpec`] of that repository and branch says (for every key, batched or
/// not); without one, [`MergeMethod::Squash`].
pub fn effective_merge_method(
    spec: &SubscriptionSpec,
    policies: &[RepositoryPolicySpec],
) -> MergeMethod {
    let Ok(target) = RepositoryUrl::parse(&spec.target.repository) else {
        return MergeMethod::default();
    };
    policies
        .iter()
        .find(|p| {
            p.branch == spec.target.branch
                && RepositoryUrl::parse(&p.repository).is_ok_and(|r| r == target)
        })
        .map(|p| p.merge_method)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MergePolicyName;

    fn spec(target: &str, branch: &str, own: &[MergePolicyName]) -> SubscriptionSpec {
        let mut spec: SubscriptionSpec = serde_json::from_value(serde_json::json!({
            "source": {"repository": "https://github.com/contoso/runtime", "channel": "dev"},
            "target": {"repository": target, "branch": branch},
        }))
        .unwrap();
        spec.merge_policies = own
            .iter()
            .map(|n| MergePolicy {
                name: *n,
                properties: Default::default(),
            })
            .collect();
        spec
    }

    fn policy(repository: &str, branch: &str, names: &[MergePolicyName]) -> RepositoryPolicySpec {
        RepositoryPolicySpec {
            repository: repository.into(),
            branch: branch.into(),
            merge_policies: names
                .iter()
                .map(|n| MergePolicy {
                    name: *n,
                    properties: Default::default(),
                })
                .collect(),
            merge_method: MergeMethod::default(),
        }
    }

    #[test]
    fn subscription_keys_take_their_own_and_batches_the_repository_policy() {
        use MergePolicyName::{AllChecksSuccessful as Checks, Standard};
        let sdk = "https://github.com/contoso/sdk";
        let batch = UpdateKey::Batch {
            repository: sdk.into(),
            branch: "main".into(),
        };
        let single = UpdateKey::Subscription { name: "a".into() };
        let policies = [
            policy("https://GitHub.com/contoso/sdk.git", "main", &[Standard]),
            policy(sdk, "release/9.0", &[Checks]),
            policy("not a url", "main", &[Checks]),
        ];
        let cases = [
            (&single, spec(sdk, "main", &[Checks]), vec![Checks]),
            (&batch, spec(sdk, "main", &[Checks]), vec![Standard]),
            (&batch, spec(sdk, "release/9.0", &[]), vec![Checks]),
            (&batch, spec(sdk, "release/8.0", &[Checks]), vec![]),
            (&batch, spec("not a url", "main", &[]), vec![]),
        ];
        for (key, spec, want) in cases {
            let got: Vec<MergePolicyName> = effective_merge_policies(key, &spec, &policies)
                .iter()
                .map(|p| p.name)
                .collect();
            assert_eq!(got, want, "{key:?} {}", spec.target.branch);
        }
    }

    #[test]
    fn the_repository_policy_of_the_branch_says_how_to_merge() {
        let sdk = "https://github.com/contoso/sdk";
        let with = |method: MergeMethod| RepositoryPolicySpec {
            merge_method: method,
            ..policy("https://GitHub.com/contoso/sdk.git", "main", &[])
        };
        let policies = [with(MergeMethod::Platform), policy(sdk, "release/9.0", &[])];
        let cases = [
            (spec(sdk, "main", &[]), MergeMethod::Platform),
            (spec(sdk, "release/9.0", &[]), MergeMethod::Squash),
            (spec(sdk, "release/8.0", &[]), MergeMethod::Squash),
            (spec("not a url", "main", &[]), MergeMethod::Squash),
        ];
        for (spec, want) in cases {
            assert_eq!(
                effective_merge_method(&spec, &policies),
                want,
                "{}",
                spec.target.branch
            );
        }
        let parsed: RepositoryPolicySpec = serde_json::from_value(serde_json::json!({
            "repository": sdk, "branch": "main", "mergeMethod": "rebase"
        }))
        .unwrap();
        assert_eq!(parsed.merge_method, MergeMethod::Rebase);
        let default: RepositoryPolicySpec =
            serde_json::from_value(serde_json::json!({"repository": sdk, "branch": "main"}))
                .unwrap();
        assert_eq!(default.merge_method, MergeMethod::Squash);
        assert!(
            serde_json::from_value::<RepositoryPolicySpec>(serde_json::json!({
                "repository": sdk, "branch": "main", "mergeMethod": "fastForward"
            }))
            .is_err()
        );
    }
}
