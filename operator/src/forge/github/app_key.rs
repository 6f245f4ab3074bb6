//! A GitHub App's RSA private key (PEM, PKCS#1 or PKCS#8, as GitHub gives it to
//! download): parsed once, or followed in a [`SecretSource`] (a Kubernetes Secret) and
//! parsed again when it rotates. The key never appears in messages.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::signature::RsaKeyPair;

use super::app::GitHubAppError;
use crate::git::Secret;
use crate::secret_source::SecretSource;

/// The DER inside a PEM text, and whether it is PKCS#8 (`PRIVATE KEY`) or PKCS#1.
fn pem_der(pem: &str) -> Result<(Vec<u8>, bool), String> {
    let begin = pem
        .lines()
        .find(|l| l.starts_with("-----BEGIN "))
        .ok_or("no PEM BEGIN line")?;
    let pkcs8 = begin.contains("BEGIN PRIVATE KEY");
    if !pkcs8 && !begin.contains("BEGIN RSA PRIVATE KEY") {
        return Err("expected an RSA PRIVATE KEY or PRIVATE KEY block".into());
    }
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN "))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END "))
        .map(str::trim)
        .collect();
    let der = STANDARD
        .decode(body)
        .map_err(|_| "the PEM body is not base64".to_string())?;
    Ok((der, pkcs8))
}

/// The key pair in `pem` from `origin`, or why it is unusable (never quoting it).
fn parse(pem: &Secret, origin: &str) -> Result<RsaKeyPair, GitHubAppError> {
    let refuse = |reason: String| GitHubAppError::Key {
        origin: origin.to_string(),
        reason,
    };
    let (der, pkcs8) = pem_der(pem.expose()).map_err(refuse)?;
    if pkcs8 {
        RsaKeyPair::from_pkcs8(&der)
    } else {
        RsaKeyPair::from_der(&der)
    }
    .map_err(|e| refuse(e.to_string()))
}

/// The App's key: the PEM it was parsed from and the key pair.
pub struct AppKey {
    origin: String,
    source: Option<SecretSource>,
    kept: Mutex<(Secret, Arc<RsaKeyPair>)>,
}

impl AppKey {
    /// The key in `pem`, read from `origin`; it never changes.
    pub fn new(pem: &Secret, origin: &str) -> Result<AppKey, GitHubAppError> {
        let pair = parse(pem, origin)?;
        Ok(AppKey {
            origin: origin.to_string(),
            source: None,
            kept: Mutex::new((pem.clone(), Arc::new(pair))),
        })
    }

    /// The key in `source` now, parsed again whenever `source` holds another value.
    pub fn following(source: SecretSource) -> Result<AppKey, GitHubAppError> {
        let pem = source.current();
        let origin = source.origin().to_string();
        let pair = parse(&pem, &origin)?;
        Ok(AppKey {
            origin,
            source: Some(source),
            kept: Mutex::new((pem, Arc::new(pair))),
        })
    }

    /// Where the key comes from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The key pair to sign with now: a rotated key once it parses, else the last one.
    pub fn current(&self) -> Arc<RsaKeyPair> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(source) = &self.source {
            let pem = source.current();
            if pem != kept.0 {
                match parse(&pem, &self.origin) {
                    Ok(pair) => {
                        tracing::info!(origin = %self.origin, "GitHub App key rotated; the new key signs from now on");
                        *kept = (pem, Arc::new(pair));
                    }
                    Err(error) => {
                        tracing::warn!(%error, "the rotated GitHub App key is unusable; the last key stays in use");
                        // Not tried again until the value changes once more.
                        kept.0 = pem;
                    }
                }
            }
        }
        kept.1.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = include_str!("../../../../tests/fixtures/github-app-key.pem");

    fn modulus(key: &RsaKeyPair) -> Vec<u8> {
        key.public().as_ref().to_vec()
    }

    #[test]
    fn a_rotated_key_is_used_once_it_parses_else_the_last_one() {
        let source = SecretSource::key_material(Secret::new(PEM), "test").unwrap();
        let key = AppKey::following(source.clone()).unwrap();
        let first = modulus(&key.current());
        // Not a key: refused, the last key signs.
        assert!(source.set(Secret::new(
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----"
        )));
        assert_eq!(modulus(&key.current()), first);
        // The same key with CRLF line ends (as some editors save it): used.
        assert!(source.set(Secret::new(PEM.replace('\n', "\r\n"))));
        assert_eq!(modulus(&key.current()), first);
        assert!(!format!("{:?}", source).contains("PRIVATE KEY"));
    }

    #[test]
    fn an_unusable_key_is_refused_naming_its_origin_only() {
        let pem = Secret::new("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----");
        let Err(refused) = AppKey::new(&pem, "file /k.pem") else {
            panic!("not a key");
        };
        let text = refused.to_string();
        assert!(
            text.contains("file /k.pem") && !text.contains("c2VjcmV0"),
            "{text}"
        );
    }
}
