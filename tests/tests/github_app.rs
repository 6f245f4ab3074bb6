//! sluice as a GitHub App on the fake GitHub: a JSON Web Token signed with the App's key
//! finds each repository's installation, installation tokens are minted, used for API
//! calls and git pushes, and renewed before they expire, so a token that expires in the
//! middle of a flow fails nothing; a token GitHub refuses anyway is replaced once; a rate
//! limit is kept per installation.

use std::time::Duration;

use serde_json::json;
use sluice::forge::Forge;
use sluice::forge::github::{AppGitTokens, GitHubApp, GitHubForge};
use sluice::git::Secret;
use sluice::secret_source::RepositoryTokens;
use sluice_core::flow::failure::FailureClass;
use sluice_tests::fake_github::Fault;
use sluice_tests::github_flow::{APP_ID, CI_TOKEN, GitHubFlow, OWNER, app_key};
use sluice_tests::wait::until_async;

const LIMIT: Duration = Duration::from_secs(90);

fn mints(flow: &GitHubFlow) -> usize {
    flow.github
        .calls()
        .iter()
        .filter(|c| c.request.starts_with("POST /app/installations/") && c.status == 201)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_token_that_expires_mid_flow_does_not_fail_the_flow() {
    let tmp = tempfile::tempdir().unwrap();
    let lifetime = Duration::from_secs(8);
    let (flow, _app) =
        GitHubFlow::start_app(tmp.path(), "[{name: AllChecksSuccessful}]", lifetime).await;
    let _workers = flow.world.engine.spawn();
    flow.world.publish("1", "2.0.0");
    until_async("sluice to open a pull request as the App", LIMIT, || {
        !flow.github.shared().state().repos.is_empty()
            && flow.github.shared().state().repos[&format!("{OWNER}/sdk")]
                .pulls
                .values()
                .any(|p| p.state == "open")
    })
    .await;
    let (number, head, user) = {
        let state = flow.github.shared().state();
        let pr = state.repos[&format!("{OWNER}/sdk")]
            .pulls
            .values()
            .find(|p| p.state == "open")
            .cloned()
            .expect("open");
        (pr.number, pr.head_sha, pr.user)
    };
    assert_eq!(user, "sluice-app[bot]", "opened with an installation token");
    // Past the first token's lifetime: it has expired at GitHub by now.
    tokio::time::sleep(lifetime + Duration::from_secs(2)).await;
    let (status, _) = flow
        .call(
            CI_TOKEN,
            "POST",
            &format!("/repos/{OWNER}/sdk/check-runs"),
            Some(json!({"name": "build", "head_sha": head, "status": "completed", "conclusion": "success"})),
        )
        .await;
    assert_eq!(status, 201);
    until_async("the update merged with a renewed token", LIMIT, || {
        flow.world.target_version() == "2.0.0"
    })
    .await;
    let calls = flow.github.calls();
    let refused: Vec<_> = calls.iter().filter(|c| c.status == 401).collect();
    assert!(
        refused.is_empty(),
        "no call failed on an expired token: {refused:?}"
    );
    assert!(mints(&flow) >= 2, "the token was renewed: {calls:?}");
    let merged = calls
        .iter()
        .any(|c| c.request.contains(&format!("/pulls/{number}/merge")) && c.status == 200);
    assert!(merged, "merged through the API");
    let installation_lookups = calls
        .iter()
        .filter(|c| c.request.ends_with("/installation"))
        .count();
    assert_eq!(
        installation_lookups, 1,
        "the installation is looked up once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_installation_token_is_replaced_and_git_gets_the_new_one() {
    let tmp = tempfile::tempdir().unwrap();
    let (flow, app) = GitHubFlow::start_app(tmp.path(), "[]", Duration::from_secs(3600)).await;
    let forge = &flow.world.forge;
    let sdk = flow.world.git_server.url(&format!("{OWNER}/sdk.git"));
    let git = AppGitTokens(app.clone());
    let first = git
        .token_for(&sdk)
        .expect("warmed: git has a token at once");
    assert!(forge.find_pull_request(&sdk, "x").await.unwrap().is_none());

    // Revoked at GitHub before it expires: the 401 is not shown, a new token is minted.
    flow.github.shared().state().tokens.remove(first.expose());
    assert!(forge.find_pull_request(&sdk, "y").await.unwrap().is_none());
    assert_eq!(mints(&flow), 2, "{:?}", flow.github.calls());
    let second = git.token_for(&sdk).expect("a token");
    assert_ne!(second, first, "git pushes with the new token");
    assert!(flow.github.token_valid(second.expose()));

    // A repository the App is not installed on: a refusal naming it, no token in it.
    let elsewhere = sdk.replace(&format!("/{OWNER}/"), "/fabrikam/");
    let refused = forge.find_pull_request(&elsewhere, "x").await.unwrap_err();
    assert_eq!(refused.class(), FailureClass::Permanent, "{refused}");
    assert!(refused.to_string().contains("fabrikam"), "{refused}");
    assert!(!refused.to_string().contains(second.expose()), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_holds_the_calls_of_its_installation_until_it_resets() {
    let tmp = tempfile::tempdir().unwrap();
    let (flow, _app) = GitHubFlow::start_app(tmp.path(), "[]", Duration::from_secs(3600)).await;
    let forge = &flow.world.forge;
    let sdk = flow.world.git_server.url(&format!("{OWNER}/sdk.git"));
    assert!(forge.find_pull_request(&sdk, "w").await.unwrap().is_none());
    flow.github.inject(Fault::exhausted(30));
    let limited = forge.find_pull_request(&sdk, "x").await.unwrap_err();
    assert_eq!(limited.class(), FailureClass::Retryable, "{limited}");
    let sent = flow.github.calls().len();
    let held = forge.find_pull_request(&sdk, "y").await.unwrap_err();
    let wait = held.retry_after().expect("the wait left");
    assert!(
        wait > Duration::from_secs(20) && wait <= Duration::from_secs(30),
        "{wait:?}"
    );
    assert_eq!(flow.github.calls().len(), sent, "not sent while limited");

    // Another credential (a token) is not held by the installation's limit.
    let other = GitHubForge::new(&flow.github.api_url(), Secret::new(CI_TOKEN)).unwrap();
    assert!(other.find_pull_request(&sdk, "z").await.unwrap().is_none());
}

#[test]
fn an_unusable_app_key_is_refused_without_showing_it() {
    let refused = GitHubApp::new(1, &Secret::new("not a key"), "file k.pem", "http://x")
        .expect_err("refused");
    assert!(refused.to_string().contains("k.pem"), "{refused}");
    let broken = app_key().expose().replace('M', "A");
    let refused = GitHubApp::new(1, &Secret::new(broken.clone()), "file k.pem", "http://x")
        .expect_err("refused");
    assert!(!refused.to_string().contains(&broken[40..80]), "{refused}");
    assert!(GitHubApp::new(APP_ID, &app_key(), "test", "http://x").is_ok());
}
