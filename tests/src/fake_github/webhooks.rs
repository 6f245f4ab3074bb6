//! Signed webhook deliveries, as GitHub sends them: a JSON body, `X-GitHub-Event`,
//! `X-GitHub-Delivery` and `X-Hub-Signature-256: sha256=HEX` (HMAC-SHA256 of the body
//! with the webhook's secret).

use std::sync::atomic::{AtomicU64, Ordering};

static DELIVERIES: AtomicU64 = AtomicU64::new(0);

/// Where deliveries go.
#[derive(Debug, Clone)]
pub struct Target {
    url: String,
    secret: String,
}

/// The `X-Hub-Signature-256` value of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = ring::hmac::sign(&key, body);
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

impl Target {
    /// Deliveries to `url` signed with `secret`.
    pub fn new(url: &str, secret: &str) -> Target {
        Target {
            url: url.to_string(),
            secret: secret.to_string(),
        }
    }

    /// Sends one delivery; failures are dropped, as GitHub drops them after its timeout.
    pub async fn send(&self, event: &str, payload: &serde_json::Value) {
        let Ok(body) = serde_json::to_vec(payload) else {
            return;
        };
        let delivery = DELIVERIES.fetch_add(1, Ordering::SeqCst) + 1;
        let result = reqwest::Client::new()
            .post(&self.url)
            .header("content-type", "application/json")
            .header("x-github-event", event)
            .header("x-github-delivery", format!("fake-{delivery}"))
            .header("x-hub-signature-256", signature(&self.secret, &body))
            .body(body)
            .send()
            .await;
        if let Err(err) = result {
            tracing::debug!(error = %err, event, "webhook delivery failed");
        }
    }
}
