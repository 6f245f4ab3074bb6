use super::*;

#[test]
fn repository_urls_name_owner_and_repository() {
    let ok = |owner: &str, name: &str| {
        Some(GitHubRepository {
            owner: owner.into(),
            name: name.into(),
        })
    };
    for (url, want) in [
        ("https://github.com/contoso/sdk", ok("contoso", "sdk")),
        ("https://github.com/contoso/sdk.git", ok("contoso", "sdk")),
        ("https://github.com/contoso/sdk/", ok("contoso", "sdk")),
        (
            "https://ghe.contoso.com:8443/Contoso/my.repo_1",
            ok("Contoso", "my.repo_1"),
        ),
        ("http://127.0.0.1:9/contoso/sdk.git", ok("contoso", "sdk")),
        ("git@github.com:contoso/sdk.git", ok("contoso", "sdk")),
        ("ssh://git@github.com/contoso/sdk.git", ok("contoso", "sdk")),
        ("https://github.com/contoso", None),
        ("https://github.com/contoso/sdk/tree/main", None),
        ("https://github.com/con_toso/sdk", None),
        ("https://github.com/contoso/..", None),
        ("https://user:secret@github.com/contoso/sdk", None),
        (" https://github.com/contoso/sdk", None),
    ] {
        assert_eq!(repository(url).ok(), want, "{url}");
    }
    let refused = repository("https://user:hunter2@github.com/contoso/sdk").unwrap_err();
    assert!(!refused.to_string().contains("hunter2"), "{refused}");
}

#[test]
fn check_runs_and_statuses_read_as_checks() {
    use CheckState::*;
    for (status, conclusion, want) in [
        ("completed", Some("success"), Success),
        ("completed", Some("neutral"), Success),
        ("completed", Some("skipped"), Success),
        ("completed", Some("failure"), Failure),
        ("completed", Some("timed_out"), Failure),
        ("completed", Some("cancelled"), Failure),
        ("completed", Some("action_required"), Failure),
        ("completed", Some("stale"), Failure),
        ("completed", None, Pending),
        ("queued", None, Pending),
        ("in_progress", None, Pending),
        ("waiting", None, Pending),
    ] {
        assert_eq!(
            check_run_state(status, conclusion),
            want,
            "{status} {conclusion:?}"
        );
    }
    for (state, want) in [
        ("success", Success),
        ("failure", Failure),
        ("error", Failure),
        ("pending", Pending),
    ] {
        assert_eq!(commit_status_state(state), want, "{state}");
    }
    let got = checks(
        &[
            ("build".into(), "completed".into(), Some("success".into())),
            (
                SLUICE_CHECK_RUN.into(),
                "completed".into(),
                Some("failure".into()),
            ),
        ],
        &[
            ("ci/legacy".into(), "pending".into()),
            // sluice's own report as a commit status (with a token) does not count either.
            (SLUICE_CHECK_RUN.into(), "failure".into()),
        ],
    );
    assert_eq!(
        got,
        [
            Check {
                name: "build".into(),
                state: Success
            },
            Check {
                name: "ci/legacy".into(),
                state: Pending
            },
        ]
    );
}

#[test]
fn the_latest_verdict_per_reviewer_counts() {
    let reviews: Vec<(String, String)> = [
        ("ann", "CHANGES_REQUESTED"),
        ("bob", "COMMENTED"),
        ("ann", "APPROVED"),
        ("cid", "APPROVED"),
        ("cid", "COMMENTED"),
        ("dan", "APPROVED"),
        ("dan", "DISMISSED"),
        ("eve", "PENDING"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    let got: Vec<_> = latest_reviews(&reviews)
        .into_iter()
        .map(|r| (r.reviewer, r.state))
        .collect();
    assert_eq!(
        got,
        [
            ("ann".to_string(), ReviewState::Approved),
            ("bob".to_string(), ReviewState::Commented),
            ("cid".to_string(), ReviewState::Approved),
            ("dan".to_string(), ReviewState::Commented),
            ("eve".to_string(), ReviewState::Commented),
        ]
    );
}
