use super::*;
use sluice_core::flow::failure::FailureClass;

fn answer(status: u16, headers: &[(&'static str, &str)], body: Value) -> Answer {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.insert(*name, value.parse().expect("header value"));
    }
    Answer {
        status: StatusCode::from_u16(status).expect("status"),
        headers: map,
        body,
    }
}

#[test]
fn answers_become_typed_failures_with_the_wait_github_asked_for() {
    let now: jiff::Timestamp = "2026-11-30T12:00:00Z".parse().unwrap();
    let reset = (now.as_second() + 40).to_string();
    let s = |secs| Some(Duration::from_secs(secs));
    let limit = serde_json::json!({"message": "API rate limit exceeded for installation"});
    let table = [
        (
            answer(429, &[("retry-after", "2")], Value::Null),
            FailureClass::Retryable,
            s(2),
        ),
        (answer(429, &[], Value::Null), FailureClass::Retryable, None),
        (
            answer(403, &[("retry-after", "7")], Value::Null),
            FailureClass::Retryable,
            s(7),
        ),
        (
            answer(
                403,
                &[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", &reset),
                ],
                Value::Null,
            ),
            FailureClass::Retryable,
            s(40),
        ),
        (answer(403, &[], limit), FailureClass::Retryable, None),
        (
            answer(403, &[("x-ratelimit-remaining", "12")], Value::Null),
            FailureClass::Permanent,
            None,
        ),
        (answer(401, &[], Value::Null), FailureClass::Permanent, None),
        (answer(404, &[], Value::Null), FailureClass::Permanent, None),
        (answer(422, &[], Value::Null), FailureClass::Permanent, None),
        (answer(409, &[], Value::Null), FailureClass::Conflict, None),
        (answer(502, &[], Value::Null), FailureClass::Retryable, None),
        (
            answer(503, &[("retry-after", "3")], Value::Null),
            FailureClass::Retryable,
            s(3),
        ),
    ];
    for (given, class, wait) in table {
        let error = failure(&given, "r", "pull request #1", now);
        assert_eq!(
            (error.class(), error.retry_after()),
            (class, wait),
            "{given:?}: {error}"
        );
        assert!(
            error.to_string().starts_with("r: pull request #1"),
            "{error}"
        );
    }
}

#[test]
fn github_messages_are_kept_short_and_name_each_error() {
    let body = serde_json::json!({
        "message": "Validation Failed",
        "errors": [{"message": "A pull request already exists for o:b."}, {"field": "head", "code": "invalid"}],
    });
    assert_eq!(
        github_message(&body),
        "Validation Failed; A pull request already exists for o:b.; head: invalid"
    );
    let long = serde_json::json!({"message": "é".repeat(400)});
    assert!(github_message(&long).len() <= 304);
    let error = failure(
        &answer(422, &[], body),
        "r",
        "new pull request",
        jiff::Timestamp::now(),
    );
    assert!(error.message().contains("already exists"), "{error}");
}
