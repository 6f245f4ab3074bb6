//! `sluice serve` with its Azure DevOps options, end to end: a build of a git-native
//! source opens an update pull request on the fake Azure DevOps (API calls and git
//! pushes with the one personal access token, which never reaches the log); a failing
//! policy evaluation holds it with its message in sluice's thread; once the policy
//! passes it is completed by squash and its source branch deleted. Open pull requests
//! are never polled within the test: every step after the build is woken by a service
//! hook, and a hook without the configured password is refused.

use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};
use sluice_tests::binary::serve_refused as refused;
use sluice_tests::demo::{Server, repos};
use sluice_tests::fake_azdo::FakeAzureDevOps;
use sluice_tests::wait;

const PAT: &str = "azdopatflow0123456789abcdefghijklmnopqrstuv";
const HOOK_SECRET: &str = "hook-secret-5d1e";

fn thread_text(fake: &FakeAzureDevOps, id: u64) -> String {
    let pull = fake
        .shared()
        .pull(id)
        .unwrap_or_else(|| panic!("pull request {id}"));
    let texts: Vec<String> = pull
        .threads
        .iter()
        .flat_map(|t| t.comments.iter().map(|c| c.content.clone()))
        .collect();
    texts.join("\n---\n")
}

#[test]
fn serve_flows_an_update_through_azure_devops_woken_by_service_hooks() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let fake = FakeAzureDevOps::serving_demo_sdk(root, PAT);
    let target = fake.demo_sdk_url();
    let config = repos::write_flow_config(root, &target);
    let host = fake.host();
    // Open pull requests are not looked at again within the test (neither the periodic
    // revisit nor the timer that queues it runs): only a delivery can wake them.
    let extra = [
        "--azure-devops-token-env",
        "SLUICE_AZDO",
        "--azure-devops-host",
        &host,
        "--azure-devops-webhook-secret-env",
        "SLUICE_HOOK",
        "--pull-request-interval",
        "3600",
        "--schedule-tick",
        "3600",
    ];
    let env = [("SLUICE_AZDO", PAT), ("SLUICE_HOOK", HOOK_SECRET)];
    let server = Server::start_with_env(root, &config, &extra, &env).expect("sluice serve starts");
    let hook = format!("{}/webhooks/azure-devops", server.url());
    fake.deliver_hooks_to(&hook, "azure", HOOK_SECRET);
    server
        .publish(root, "runtime", "1", "2.0.0")
        .expect("published");
    let limit = Duration::from_secs(60);
    let id = wait::until("a pull request on Azure DevOps", limit, || {
        fake.active_pull()
    });
    let source = fake.shared().pull(id).unwrap().source;
    assert!(source.starts_with("refs/heads/sluice/main/"), "{source}");

    // A hook without the password changes nothing.
    let forged = json!({"eventType": "git.pullrequest.updated", "resource": {"pullRequestId": id, "sourceRefName": source, "repository": {"name": "sdk", "project": {"name": "Sdk"}}}});
    let basic = base64::engine::general_purpose::STANDARD.encode("azure:not-the-secret");
    let refused = reqwest::blocking::Client::new()
        .post(&hook)
        .header("authorization", format!("Basic {basic}"))
        .json(&forged)
        .send()
        .expect("sluice answers");
    assert_eq!(refused.status(), 401);

    // A failing blocking policy holds the pull request, with its name in the thread.
    fake.shared().set_policy(id, "Build", "rejected", true);
    wait::until_true("the failing policy reported in the thread", limit, || {
        thread_text(&fake, id).contains("policy: Build")
    });
    assert_eq!(fake.shared().pull(id).unwrap().status, "active");
    assert_ne!(repos::version_in(root, "sdk", "runtime"), "2.0.0");

    // The policy passes: the delivery alone gets it completed.
    fake.shared().set_policy(id, "Build", "approved", true);
    wait::until_true("the update completed on Azure DevOps", limit, || {
        repos::version_in(root, "sdk", "runtime") == "2.0.0"
    });
    let pull = fake.shared().pull(id).unwrap();
    assert_eq!(pull.status, "completed");
    assert_eq!(pull.completion_options["mergeStrategy"], "squash");
    assert_eq!(pull.completion_options["deleteSourceBranch"], true);
    let sdk = root.join("remotes/sdk.git");
    let branch = source.trim_start_matches("refs/heads/");
    assert_eq!(
        repos::git(&sdk, &["branch", "--list", branch]),
        "",
        "source branch deleted"
    );
    let main = repos::git(&sdk, &["rev-list", "--parents", "-n1", "main"]);
    assert_eq!(
        main.split(' ').count(),
        2,
        "a squash has one parent: {main}"
    );
    let status: Value =
        serde_json::from_str(&server.get("/api/status").unwrap_or_default()).unwrap_or_default();
    assert!(
        status.to_string().contains(&format!("/pullrequest/{id}")),
        "status links the Azure DevOps pull request: {status}"
    );
    server.stop();
    let log = std::fs::read_to_string(root.join("serve.log")).unwrap_or_default();
    assert!(log.contains("Azure DevOps forge enabled"), "{log}");
    assert!(log.contains("Azure DevOps service hook refused"), "{log}");
    for secret in [PAT, HOOK_SECRET] {
        assert!(!log.contains(secret), "a secret reached the log");
    }
}

#[test]
fn azure_devops_options_that_cannot_work_are_refused_at_start() {
    let stderr = refused(&["--azure-devops-host", "tfs.contoso.com"]);
    assert!(
        stderr.contains("--azure-devops-host needs a token"),
        "{stderr}"
    );
    let stderr = refused(&["--azure-devops-token-env", "SLUICE_NO_SUCH_VAR"]);
    assert!(stderr.contains("SLUICE_NO_SUCH_VAR"), "{stderr}");
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), format!("{PAT}\n")).unwrap();
    let path = file.path().display().to_string();
    let stderr = refused(&[
        "--azure-devops-token-file",
        &path,
        "--azure-devops-host",
        "https://tfs.contoso.com",
    ]);
    assert!(stderr.contains("must be a host name"), "{stderr}");
    let stderr = refused(&[
        "--azure-devops-token-file",
        &path,
        "--azure-devops-webhook-secret-env",
        "SLUICE_NO_SUCH_VAR",
    ]);
    assert!(stderr.contains("service hook secret"), "{stderr}");
    assert!(!stderr.contains(PAT), "{stderr}");
}
