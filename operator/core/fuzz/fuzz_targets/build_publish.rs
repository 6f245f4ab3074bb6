//! A build publish body (the JSON `POST /api/builds` and `sluice build publish --file`
//! take, and the spec of a Build resource) decoded into the core's model: decoding never
//! panics; whatever decodes encodes and decodes back to the same value; every field passes
//! through the core's validators without a panic, each refusal naming its field (with the
//! asset's index) and staying bounded; and a build that passes them all carries no
//! whitespace or control character in any field, and a producedAt that round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_core::model::{Build, BuildSpec};
use sluice_core::time::{parse_rfc3339, rfc3339};
use sluice_core::validate::{self, Invalid};

fuzz_target!(|data: &[u8]| {
    if let Ok(spec) = serde_json::from_slice::<BuildSpec>(data) {
        round_trips(&spec);
        check(&spec);
    }
    if let Ok(build) = serde_json::from_slice::<Build>(data) {
        check(&build.spec);
    }
});

/// Encoding and decoding again gives the same build.
fn round_trips(spec: &BuildSpec) {
    let encoded = serde_json::to_vec(spec).expect("a decoded build encodes");
    let decoded: BuildSpec = serde_json::from_slice(&encoded).expect("an encoded build decodes");
    assert_eq!(&decoded, spec);
}

/// Validates every field and checks what the validators promise.
fn check(spec: &BuildSpec) {
    match validate_build(spec) {
        Ok(seconds) => {
            for text in fields(spec) {
                assert!(
                    !text.chars().any(|c| c.is_whitespace() || c.is_control()),
                    "accepted {text:?}"
                );
            }
            assert_eq!(parse_rfc3339(&rfc3339(seconds)), Some(seconds));
        }
        Err(refused) => {
            assert!(!refused.field.is_empty());
            assert!(refused.to_string().len() <= 700, "{refused}");
            assert!(!refused.to_string().chars().any(char::is_control));
        }
    }
}

/// Every text field a build carries into manifests, refs and pull requests.
fn fields(spec: &BuildSpec) -> Vec<&str> {
    let mut all = vec![
        spec.repository.as_str(),
        spec.branch.as_str(),
        spec.commit.as_str(),
        spec.build_number.as_str(),
        spec.produced_at.as_str(),
    ];
    all.extend(spec.channels.iter().map(String::as_str));
    for asset in &spec.assets {
        all.push(&asset.name);
        all.push(&asset.version);
    }
    all
}

/// The doors' rules, field by field; returns producedAt in Unix seconds.
fn validate_build(spec: &BuildSpec) -> Result<i64, Invalid> {
    validate::repository(&spec.repository)?;
    validate::branch(&spec.branch)?;
    validate::commit(&spec.commit)?;
    validate::build_number(&spec.build_number)?;
    let seconds = parse_rfc3339(&spec.produced_at)
        .ok_or_else(|| Invalid::new("producedAt", &spec.produced_at, "is not an RFC 3339 time"))?;
    // An RFC 3339 time has no whitespace except the space some writers put for `T`.
    if spec.produced_at.contains(' ') {
        return Err(Invalid::new(
            "producedAt",
            &spec.produced_at,
            "contains a space",
        ));
    }
    for (i, channel) in spec.channels.iter().enumerate() {
        validate::name(&format!("channels[{i}]"), channel)?;
    }
    for (i, asset) in spec.assets.iter().enumerate() {
        validate::asset_name(&asset.name).map_err(|e| e.in_field(format!("assets[{i}].name")))?;
        validate::version(&asset.version)
            .map_err(|e| e.in_field(format!("assets[{i}].version")))?;
    }
    Ok(seconds)
}
