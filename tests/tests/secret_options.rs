//! The options that name secrets, at the command line: `sluice controller` takes the
//! GitHub App key and the Azure DevOps token from Secrets (the App key only with an App
//! id); a key file that is no key, or a token file that is not one line, is refused at
//! start naming the file, never quoting what is in it.

use sluice_tests::binary::{run, serve_refused};

#[test]
fn the_controller_takes_the_app_key_and_the_azure_devops_token_from_secrets() {
    let help = run(&["controller", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    for option in ["--github-app-key-secret", "--azure-devops-token-secret"] {
        assert!(help.contains(option), "{option} in --help");
    }
    let refused = run(&[
        "controller",
        "--github-app-key-secret",
        "sluice-app/key.pem",
    ]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--github-app-id"), "{stderr}");
}

#[test]
fn unusable_key_and_token_files_are_refused_without_quoting_them() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("app.pem");
    std::fs::write(
        &key,
        "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LW1hdGVyaWFs\n-----END RSA PRIVATE KEY-----\n",
    )
    .unwrap();
    let key = key.display().to_string();
    let stderr = serve_refused(&["--github-app-id", "1", "--github-app-key-file", &key]);
    assert!(stderr.contains(&key), "{stderr}");
    assert!(!stderr.contains("c2VjcmV0"), "{stderr}");

    let pat = dir.path().join("pat");
    std::fs::write(&pat, "azdopat-line-one\nazdopat-line-two\n").unwrap();
    let pat = pat.display().to_string();
    let stderr = serve_refused(&["--azure-devops-token-file", &pat]);
    assert!(stderr.contains("not a single line"), "{stderr}");
    assert!(!stderr.contains("azdopat-line"), "{stderr}");
}
