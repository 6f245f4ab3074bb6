//! Service hook deliveries, as Azure DevOps sends them to a Web Hooks subscription: a
//! JSON body naming the `eventType` with the `resource` it is about, and the HTTP Basic
//! credentials the subscription was configured with.

use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use serde_json::{Value, json};

static DELIVERIES: AtomicU64 = AtomicU64::new(0);

/// Where deliveries go.
#[derive(Debug, Clone)]
pub struct Target {
    url: String,
    authorization: String,
}

impl Target {
    /// Deliveries to `url` with `user:password` Basic authentication.
    pub fn new(url: &str, user: &str, password: &str) -> Target {
        let pair = format!("{user}:{password}");
        Target {
            url: url.to_string(),
            authorization: format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            ),
        }
    }

    /// Sends one delivery; failures are dropped, as Azure DevOps drops them after its
    /// retries.
    pub async fn send(&self, event_type: &str, resource: Value) {
        let delivery = DELIVERIES.fetch_add(1, Ordering::SeqCst) + 1;
        let body = json!({
            "id": format!("fake-{delivery}"),
            "eventType": event_type,
            "publisherId": "tfs",
            "resourceVersion": "1.0",
            "resource": resource,
        });
        let result = reqwest::Client::new()
            .post(&self.url)
            .header("authorization", &self.authorization)
            .json(&body)
            .send()
            .await;
        if let Err(err) = result {
            tracing::debug!(error = %err, event_type, "service hook delivery failed");
        }
    }
}
