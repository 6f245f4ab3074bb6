use super::*;

#[test]
fn repository_urls_name_their_api_project_and_repository() {
    for (url, api_base, project, name) in [
        (
            "https://dev.azure.com/contoso/Sdk/_git/sdk",
            "https://dev.azure.com/contoso",
            "Sdk",
            "sdk",
        ),
        (
            "https://dev.azure.com/contoso/Sdk%20Team/_git/sdk.git",
            "https://dev.azure.com/contoso",
            "Sdk Team",
            "sdk",
        ),
        (
            "https://contoso.visualstudio.com/Sdk/_git/sdk",
            "https://contoso.visualstudio.com",
            "Sdk",
            "sdk",
        ),
        (
            "https://contoso.visualstudio.com/DefaultCollection/Sdk/_git/sdk",
            "https://contoso.visualstudio.com/DefaultCollection",
            "Sdk",
            "sdk",
        ),
        (
            "git@ssh.dev.azure.com:v3/contoso/Sdk%20Team/sdk",
            "https://dev.azure.com/contoso",
            "Sdk Team",
            "sdk",
        ),
        (
            "ssh://git@ssh.dev.azure.com/v3/contoso/Sdk/sdk.git",
            "https://dev.azure.com/contoso",
            "Sdk",
            "sdk",
        ),
        (
            "contoso@vs-ssh.visualstudio.com:v3/contoso/Sdk/sdk",
            "https://contoso.visualstudio.com",
            "Sdk",
            "sdk",
        ),
        (
            "http://127.0.0.1:8081/contoso/p/_git/runtime",
            "http://127.0.0.1:8081/contoso",
            "p",
            "runtime",
        ),
        (
            "https://tfs.contoso.com/tfs/DefaultCollection/p/_git/r.v2",
            "https://tfs.contoso.com/tfs/DefaultCollection",
            "p",
            "r.v2",
        ),
    ] {
        let repo = repository(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(
            (
                repo.api_base.as_str(),
                repo.project.as_str(),
                repo.name.as_str()
            ),
            (api_base, project, name),
            "{url}"
        );
    }
}

#[test]
fn urls_that_are_not_azure_devops_repositories_are_refused_with_the_reason() {
    for (url, reason) in [
        ("https://dev.azure.com/contoso/sdk", "_git"),
        ("https://dev.azure.com/contoso/p/_git", "PROJECT/_git/REPO"),
        ("https://dev.azure.com/p/_git/r", "dev.azure.com/ORG"),
        ("http://dev.azure.com/contoso/p/_git/r", "https"),
        (
            "https://dev.azure.com/contoso/p/_git/r/extra",
            "PROJECT/_git/REPO",
        ),
        ("https://dev.azure.com/contoso/_p/_git/r", "project"),
        ("https://dev.azure.com/contoso/p/_git/a%3Ab", "repository"),
        ("https://dev.azure.com/contoso/p/_git/a%ZZ", "repository"),
        ("https://dev.azure.com/con$oso/p/_git/r", "organization"),
        ("https://a.b.visualstudio.com/p/_git/r", "visualstudio"),
        ("https://host.example/p/_git/r", "COLLECTION"),
        (
            "git@ssh.dev.azure.com:v3/contoso/p/_r",
            "git@ssh.dev.azure.com:v3",
        ),
        (
            "git@ssh.dev.azure.com:v3/contoso/p",
            "git@ssh.dev.azure.com:v3",
        ),
        ("git@github.com:contoso/sdk.git", "http"),
        ("not a url", "repository"),
        (
            "https://contoso@dev.azure.com/contoso/p/_git/r",
            "credentials",
        ),
    ] {
        let error = repository(url).expect_err(url).to_string();
        assert!(error.contains(reason), "{url}: {error}");
    }
}

#[test]
fn names_follow_azure_devops_rules() {
    for good in ["sdk", "Sdk Team", "r.v2", "a-b_c", &"x".repeat(64)] {
        assert!(valid_name(good), "{good:?}");
    }
    for bad in [
        "",
        "_x",
        ".x",
        "x.",
        " x",
        "a/b",
        "a\\b",
        "a:b",
        "a?b",
        "a#b",
        "a%b",
        "a\nb",
        &"x".repeat(65),
    ] {
        assert!(!valid_name(bad), "{bad:?}");
    }
}

#[test]
fn the_path_suffix_is_encoded_as_urls_spell_it() {
    let repo = repository("https://dev.azure.com/c/My%20Project/_git/sdk").unwrap();
    assert_eq!(repo.path_suffix(), "My%20Project/_git/sdk");
    assert_eq!(encode("a b/c"), "a%20b%2Fc");
}
