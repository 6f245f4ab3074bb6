//! Repository URLs: parsing never panics; an accepted URL has no whitespace or control
//! character and no credentials on http(s); its canonical form is a fixpoint (parsing it
//! again gives the same text and the same identity), so two spellings of one repository
//! always compare equal however often they pass through the store.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_core::model::RepositoryUrl;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(url) = RepositoryUrl::parse(text) else {
        return;
    };
    let canonical = url.as_str();
    assert!(
        !canonical
            .chars()
            .any(|c| c.is_whitespace() || c.is_control()),
        "{canonical:?}"
    );
    if let Some(rest) = canonical
        .strip_prefix("https://")
        .or_else(|| canonical.strip_prefix("http://"))
    {
        let authority = rest.split('/').next().unwrap_or_default();
        assert!(
            !authority.contains('@'),
            "credentials kept in {canonical:?}"
        );
    }
    let again = RepositoryUrl::parse(canonical)
        .unwrap_or_else(|e| panic!("{text:?} became {canonical:?}, which is refused: {e}"));
    assert_eq!(again.as_str(), canonical, "from {text:?}");
    assert_eq!(again.identity(), url.identity(), "from {text:?}");
    assert_eq!(again, url);
});
