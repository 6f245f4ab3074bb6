//! Leader election for `sluice controller` on a coordination.k8s.io/v1 Lease. The lease
//! is read, [`sluice_core::flow::lease::decide`] says what to do with it, and the result
//! is written with the `resourceVersion` read as precondition, so of two replicas writing
//! at once one gets `409 Conflict` and reads again. The engine's [`MayAct`] flag follows:
//! set on taking the lease, cleared at once when a renewal is refused or another holder
//! shows, and cleared by a deadline (two thirds of the lease duration after the last
//! successful renewal) when the API server cannot be reached, before a standby may take
//! over.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{Api, PostParams};
use sluice_core::flow::lease::{self, LeaseRecord, LeaseStep};

use crate::engine::MayAct;

/// Where the lease is and who this replica is.
#[derive(Debug, Clone)]
pub struct LeaseConfig {
    /// The Lease's name.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    /// How long a holder keeps it without renewing.
    pub duration: Duration,
    /// This replica's identity (its `holderIdentity`).
    pub identity: String,
}

/// Why a lease step failed.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    /// The API server refused or could not be reached.
    #[error("lease {namespace}/{name}: {source}")]
    Api {
        /// The namespace.
        namespace: String,
        /// The name.
        name: String,
        /// The client's error.
        source: kube::Error,
    },
    /// The API server did not answer in time.
    #[error("lease {namespace}/{name}: no answer within {seconds} s")]
    Timeout {
        /// The namespace.
        namespace: String,
        /// The name.
        name: String,
        /// The time allowed.
        seconds: u64,
    },
}

/// How long until `t` (zero when it has passed).
fn time_until(t: Timestamp) -> Duration {
    t.duration_since(Timestamp::now())
        .max(SignedDuration::ZERO)
        .unsigned_abs()
}

fn record(lease: &Lease) -> LeaseRecord {
    let spec = lease.spec.clone().unwrap_or_default();
    LeaseRecord {
        holder: spec.holder_identity,
        duration_seconds: spec.lease_duration_seconds,
        renew_time: spec.renew_time.map(|t| t.0),
        acquire_time: spec.acquire_time.map(|t| t.0),
        transitions: spec.lease_transitions,
    }
}

fn lease_of(config: &LeaseConfig, record: LeaseRecord, resource_version: Option<String>) -> Lease {
    Lease {
        metadata: ObjectMeta {
            name: Some(config.name.clone()),
            namespace: Some(config.namespace.clone()),
            resource_version,
            ..ObjectMeta::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: record.holder,
            lease_duration_seconds: record.duration_seconds,
            renew_time: record.renew_time.map(MicroTime),
            acquire_time: record.acquire_time.map(MicroTime),
            lease_transitions: record.transitions,
            ..LeaseSpec::default()
        }),
    }
}

/// One replica's side of the election.
pub struct Elector {
    api: Api<Lease>,
    config: LeaseConfig,
    may_act: MayAct,
}

impl Elector {
    /// An elector writing `config`'s lease through `client`, driving `may_act`.
    pub fn new(client: kube::Client, config: LeaseConfig, may_act: MayAct) -> Self {
        Elector {
            api: Api::namespaced(client, &config.namespace),
            config,
            may_act,
        }
    }

    fn duration(&self) -> SignedDuration {
        SignedDuration::try_from(self.config.duration).unwrap_or(SignedDuration::from_secs(15))
    }

    fn api_error(&self, source: kube::Error) -> LeaseError {
        LeaseError::Api {
            namespace: self.config.namespace.clone(),
            name: self.config.name.clone(),
            source,
        }
    }

    /// Reads the lease and writes what the decision says: `None` when this replica holds
    /// it afterwards, else when to look again at the latest (the other holder's expiry).
    /// A lost race (`409`) is not holding it.
    async fn step(&self) -> Result<Option<Timestamp>, LeaseError> {
        let current = self
            .api
            .get_opt(&self.config.name)
            .await
            .map_err(|e| self.api_error(e))?;
        let read = current.as_ref().map(record);
        let step = lease::decide(
            read.as_ref(),
            &self.config.identity,
            Timestamp::now(),
            self.duration(),
        );
        let written = match step {
            LeaseStep::Wait { holder, until } => {
                tracing::debug!(%holder, "lease held by another replica");
                return Ok(Some(until));
            }
            LeaseStep::Create(record) => {
                let lease = lease_of(&self.config, record, None);
                self.api.create(&PostParams::default(), &lease).await
            }
            LeaseStep::Write(record) => {
                let version = current.and_then(|l| l.metadata.resource_version);
                let lease = lease_of(&self.config, record, version);
                self.api
                    .replace(&self.config.name, &PostParams::default(), &lease)
                    .await
            }
        };
        match written {
            Ok(_) => Ok(None),
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(Some(Timestamp::now())),
            Err(err) => Err(self.api_error(err)),
        }
    }

    /// Runs the election until the process ends: renews while leading, reads while
    /// standing by, and keeps the engine's flag in step.
    pub async fn run(self) {
        let duration = self.duration();
        let period = lease::retry_period(duration)
            .unsigned_abs()
            .max(Duration::from_millis(200));
        let allowed = lease::renew_deadline(duration).unsigned_abs();
        let mut renewed: Option<Timestamp> = None;
        loop {
            let started = Timestamp::now();
            let outcome = match tokio::time::timeout(allowed, self.step()).await {
                Ok(result) => result,
                Err(_) => Err(LeaseError::Timeout {
                    namespace: self.config.namespace.clone(),
                    name: self.config.name.clone(),
                    seconds: allowed.as_secs(),
                }),
            };
            let mut expiry = None;
            let leading = match outcome {
                Ok(None) => {
                    renewed = Some(started);
                    true
                }
                Ok(Some(until)) => {
                    renewed = None;
                    expiry = Some(until);
                    false
                }
                Err(err) => {
                    tracing::warn!(error = %err, "lease not renewed; trying again");
                    // Leading until the deadline of the last renewal, not a moment more.
                    renewed.is_some_and(|at| lease::still_leading(at, Timestamp::now(), duration))
                }
            };
            self.announce(leading);
            // While leading, wake up no later than the deadline of this renewal.
            let sleep = match renewed.filter(|_| leading) {
                Some(at) => {
                    let deadline = at
                        .checked_add(lease::renew_deadline(duration))
                        .unwrap_or(at);
                    let deadline = time_until(deadline);
                    period.min(deadline)
                }
                // A standby looks again as the holder's lease expires.
                None => match expiry {
                    Some(until) => period.min(time_until(until).max(Duration::from_millis(50))),
                    None => period,
                },
            };
            tokio::time::sleep(sleep).await;
            if renewed.is_some_and(|at| !lease::still_leading(at, Timestamp::now(), duration)) {
                self.announce(false);
            }
        }
    }

    fn announce(&self, leading: bool) {
        if self.may_act.set(leading) {
            let (name, namespace) = (&self.config.name, &self.config.namespace);
            if leading {
                tracing::info!(identity = %self.config.identity, lease = %format!("{namespace}/{name}"), "leader: this replica holds the lease and acts");
            } else {
                tracing::warn!(identity = %self.config.identity, lease = %format!("{namespace}/{name}"), "standby: this replica does not hold the lease and stops acting");
            }
        }
    }

    /// Gives the lease up (on shutdown), so a standby takes over at once; the engine
    /// stops acting first.
    pub async fn release(client: kube::Client, config: &LeaseConfig, may_act: &MayAct) {
        may_act.set(false);
        let api: Api<Lease> = Api::namespaced(client, &config.namespace);
        let Ok(Some(current)) = api.get_opt(&config.name).await else {
            return;
        };
        let Some(released) = lease::release(&record(&current), &config.identity) else {
            return;
        };
        let lease = lease_of(config, released, current.metadata.resource_version);
        match api
            .replace(&config.name, &PostParams::default(), &lease)
            .await
        {
            Ok(_) => tracing::info!(identity = %config.identity, "lease released"),
            Err(err) => tracing::warn!(error = %err, "lease not released; it expires instead"),
        }
    }
}

/// This replica's identity: `POD_NAME` (or the host name) and a random suffix, so a
/// restarted pod of the same name is a new holder.
pub fn identity() -> String {
    let base = std::env::var("POD_NAME")
        .ok()
        .filter(|n| !n.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "sluice".to_string());
    let mut bytes = [0u8; 4];
    let random = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes);
    let suffix = match random {
        Ok(()) => bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        Err(_) => format!("{:08x}", std::process::id()),
    };
    format!("{base}-{suffix}")
}

/// The namespace the controller runs in: `POD_NAMESPACE`, else the client's default (the
/// service account's namespace in a pod, the kubeconfig context's outside one).
pub fn own_namespace(client: &kube::Client) -> String {
    std::env::var("POD_NAMESPACE")
        .ok()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| client.default_namespace().to_string())
}
