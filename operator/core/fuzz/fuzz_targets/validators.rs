//! Every validator in `sluice_core::validate` never panics; a value it accepts has no
//! whitespace, control or invisible format character and stays within its bound; a refusal quotes at most
//! a short, escaped prefix of the value, so its message is bounded whatever the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_core::validate::{self, Invalid};

/// Longest refusal message: the field, the quoted prefix (40 characters of at most ten
/// bytes each once escaped, the ellipsis and the quotes) and a reason naming at most
/// one character and two lengths.
const MAX_MESSAGE: usize = 600;

/// A validator under its name and the bound it keeps.
type Check = (&'static str, usize, fn(&str) -> Result<(), Invalid>);

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data);
    let value = value.as_ref();
    let checks: [Check; 8] = [
        ("version", validate::MAX_VERSION, validate::version),
        ("commit", 64, validate::commit),
        (
            "build number",
            validate::MAX_BUILD_NUMBER,
            validate::build_number,
        ),
        ("asset name", validate::MAX_ASSET_NAME, validate::asset_name),
        ("branch", validate::MAX_BRANCH, validate::branch),
        ("ref name", validate::MAX_BRANCH, validate::ref_name),
        ("name", validate::MAX_NAME, |v| validate::name("name", v)),
        ("repository", validate::MAX_REPOSITORY, |v| {
            validate::repository(v).map(|_| ())
        }),
    ];
    for (what, max, check) in checks {
        match check(value) {
            Ok(()) => accepted(what, value, max),
            Err(refused) => bounded(what, &refused),
        }
    }
    // Rules that hold between validators and per validator beyond the character set.
    if validate::branch(value).is_ok() {
        assert!(validate::ref_name(value).is_ok());
        assert!(!value.starts_with('-'));
    }
    if validate::commit(value).is_ok() {
        assert!(value.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(value.len() >= 7);
    }
    if validate::asset_name(value).is_ok() {
        assert!(value.split('/').all(|p| !p.is_empty() && p != ".."));
    }
    if validate::name("name", value).is_ok() {
        assert!(!value.chars().any(|c| c.is_ascii_uppercase()));
    }
    let shown = validate::quote(value);
    assert!(shown.chars().count() <= 2 + 40 * 10 + 1, "{shown}");
    assert!(!shown.chars().any(char::is_control), "{shown}");
});

/// An accepted value is non-empty, within `max` bytes and free of whitespace, control
/// and invisible format characters, so it cannot change the structure of what it is
/// written into, nor pass for another value.
fn accepted(what: &str, value: &str, max: usize) {
    assert!(!value.is_empty(), "{what} accepted an empty value");
    assert!(value.len() <= max, "{what} accepted {} bytes", value.len());
    assert!(
        !value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || validate::is_format_character(c)),
        "{what} accepted {value:?}"
    );
}

/// A refusal names its field and quotes the value escaped and cut short.
fn bounded(what: &str, refused: &Invalid) {
    assert!(
        !refused.field.is_empty(),
        "{what}: a refusal names no field"
    );
    assert!(
        !refused.reason.is_empty(),
        "{what}: a refusal gives no reason"
    );
    let message = refused.to_string();
    assert!(
        message.len() <= MAX_MESSAGE,
        "{what}: a {}-byte message",
        message.len()
    );
    assert!(
        !message.chars().any(char::is_control),
        "{what}: a raw control character in {message:?}"
    );
}
