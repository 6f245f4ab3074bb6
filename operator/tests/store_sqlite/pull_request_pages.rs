//! Listing the git-native forge's pull requests a page at a time.

use sluice::store::{LocalForgeStore, PullRequestQuery};

use super::memory;

#[test]
fn pull_requests_come_in_pages_newest_first() {
    let store = memory();
    for n in 1..=5 {
        store
            .create_local_pull_request(
                "https://github.com/contoso/sdk",
                "main",
                &format!("sluice/main/key-{n}"),
                "Update",
                "",
            )
            .unwrap();
    }
    let numbers = |limit: Option<u32>, before: Option<i64>| -> Vec<i64> {
        store
            .local_pull_request_page(&PullRequestQuery { limit, before })
            .unwrap()
            .iter()
            .map(|pr| pr.number)
            .collect()
    };
    assert_eq!(numbers(Some(2), None), [5, 4]);
    assert_eq!(numbers(Some(2), Some(4)), [3, 2]);
    assert_eq!(numbers(Some(2), Some(2)), [1]);
    assert_eq!(numbers(Some(2), Some(1)), Vec::<i64>::new());
    assert_eq!(numbers(None, None), [5, 4, 3, 2, 1], "default limit 100");
    let page = store
        .local_pull_request_page(&PullRequestQuery {
            limit: Some(1),
            before: None,
        })
        .unwrap();
    assert_eq!(page, [store.local_pull_request(5).unwrap().unwrap()]);
}
