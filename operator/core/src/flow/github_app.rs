//! When a GitHub App's credentials are renewed: the app's own JSON Web Token (signed
//! with its private key, valid ten minutes at most) and the installation tokens minted
//! with it (valid an hour). A credential is renewed before it expires, with a margin, so
//! no request is ever sent with one that expires on the way. The GitHub forge signs and
//! mints; these functions decide.

use jiff::{SignedDuration, Timestamp};

/// The largest margin before expiry at which a credential is renewed.
pub const RENEW_MARGIN: SignedDuration = SignedDuration::from_secs(300);

/// How far back a JSON Web Token's issue time is set, for clocks that drift.
pub const JWT_BACKDATE: SignedDuration = SignedDuration::from_secs(60);

/// How long a JSON Web Token is valid from now (GitHub accepts ten minutes at most,
/// counted from the backdated issue time).
pub const JWT_LIFETIME: SignedDuration = SignedDuration::from_secs(540);

/// What to do with a kept credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// It is valid long enough: use it.
    Use,
    /// It expires within the margin (or has): mint a new one before the next request.
    Renew,
}

/// The margin before `expires_at` at which a credential issued at `issued_at` is
/// renewed: [`RENEW_MARGIN`], or a quarter of its lifetime when that is shorter (a
/// short-lived credential is not renewed at every use).
pub fn margin(issued_at: Timestamp, expires_at: Timestamp) -> SignedDuration {
    let lifetime = expires_at.duration_since(issued_at);
    (lifetime / 4).clamp(SignedDuration::ZERO, RENEW_MARGIN)
}

/// Whether a credential issued at `issued_at` that expires at `expires_at` is used at
/// `now` or renewed first; none kept (`None`) is minted.
pub fn renewal(kept: Option<(Timestamp, Timestamp)>, now: Timestamp) -> Renewal {
    match kept {
        Some((issued_at, expires_at))
            if expires_at.duration_since(now) > margin(issued_at, expires_at) =>
        {
            Renewal::Use
        }
        _ => Renewal::Renew,
    }
}

/// The claims of the App's JSON Web Token signed at `now`: issued [`JWT_BACKDATE`]
/// before, expiring [`JWT_LIFETIME`] after, issued by `app_id`.
pub fn jwt_claims(app_id: u64, now: Timestamp) -> serde_json::Value {
    let iat = (now - JWT_BACKDATE).as_second();
    let exp = (now + JWT_LIFETIME).as_second();
    serde_json::json!({ "iat": iat, "exp": exp, "iss": app_id.to_string() })
}

/// When a JSON Web Token signed at `now` expires (for [`renewal`]).
pub fn jwt_expiry(now: Timestamp) -> Timestamp {
    now + JWT_LIFETIME
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + seconds).unwrap()
    }

    #[test]
    fn credentials_are_renewed_within_the_margin_before_they_expire() {
        let hour = 3600;
        // (issued, expires, now, expected)
        let table = [
            (None, 0, Renewal::Renew),
            (Some((0, hour)), 0, Renewal::Use),
            (Some((0, hour)), hour - 301, Renewal::Use),
            (Some((0, hour)), hour - 300, Renewal::Renew),
            (Some((0, hour)), hour - 1, Renewal::Renew),
            (Some((0, hour)), hour + 10, Renewal::Renew),
            // Short-lived: a quarter of the lifetime.
            (Some((0, 8)), 5, Renewal::Use),
            (Some((0, 8)), 6, Renewal::Renew),
            // Clocks disagree: issued "after" it expires.
            (Some((10, 5)), 0, Renewal::Use),
            (Some((10, 5)), 5, Renewal::Renew),
        ];
        for (kept, now, expected) in table {
            let kept = kept.map(|(i, e)| (at(i), at(e)));
            assert_eq!(renewal(kept, at(now)), expected, "{kept:?} at {now}");
        }
    }

    #[test]
    fn a_jwt_is_backdated_and_lives_under_ten_minutes() {
        let claims = jwt_claims(42, at(0));
        assert_eq!(claims["iss"], "42");
        let (iat, exp) = (
            claims["iat"].as_i64().unwrap(),
            claims["exp"].as_i64().unwrap(),
        );
        assert_eq!(iat, at(-60).as_second());
        assert!(exp - iat <= 600, "GitHub refuses more than ten minutes");
        assert_eq!(jwt_expiry(at(0)).as_second(), exp);
        assert_eq!(
            renewal(Some((at(0), jwt_expiry(at(0)))), at(400)),
            Renewal::Use
        );
        assert_eq!(
            renewal(Some((at(0), jwt_expiry(at(0)))), at(406)),
            Renewal::Renew
        );
    }
}
