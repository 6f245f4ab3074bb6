//! Prometheus metrics of the engine, served at `/metrics`.

use std::fmt::Write as _;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sluice_core::flow::failure::FailureClass;

/// What the failure counter counts: a failure of one of the core's classes, or a cycle
/// that panicked.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum FailureReason {
    /// A failure, by class.
    Class(FailureClass),
    /// A cycle that panicked (retried like a retryable failure).
    Panic,
}

impl FailureReason {
    /// Every reason; each is present (at 0) from the start.
    pub const ALL: [FailureReason; 4] = [
        FailureReason::Class(FailureClass::Conflict),
        FailureReason::Class(FailureClass::Retryable),
        FailureReason::Class(FailureClass::Permanent),
        FailureReason::Panic,
    ];

    /// The label value: the class's name, or `panic`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureReason::Class(class) => class.as_str(),
            FailureReason::Panic => "panic",
        }
    }
}

impl EncodeLabelValue for FailureReason {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.as_str())
    }
}

/// Label of the failure counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FailureLabels {
    /// `conflict`, `retryable`, `permanent` or `panic`.
    pub reason: FailureReason,
}

/// The engine's metrics.
pub struct Metrics {
    registry: Registry,
    /// Reconcile cycles run.
    pub reconciles: Counter,
    /// Duration of reconcile cycles.
    pub reconcile_seconds: Histogram,
    /// Update pull requests opened.
    pub pull_requests_opened: Counter,
    /// Update pull requests merged, by sluice or by a person.
    pub pull_requests_merged: Counter,
    /// Builds published.
    pub builds_published: Counter,
    /// 1 while this process may act (`sluice serve`, or the controller holding the
    /// lease), 0 while it stands by.
    pub leader: Gauge,
    failures: Family<FailureLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("sluice");
        let reconciles = Counter::default();
        let reconcile_seconds = Histogram::new(exponential_buckets(0.005, 2.0, 14));
        let pull_requests_opened = Counter::default();
        let pull_requests_merged = Counter::default();
        let builds_published = Counter::default();
        let failures = Family::<FailureLabels, Counter>::default();
        let leader = Gauge::default();
        registry.register(
            "leader",
            "1 while this replica may act (holds the lease), 0 while it stands by",
            leader.clone(),
        );
        registry.register("reconciles", "Reconcile cycles run", reconciles.clone());
        registry.register(
            "reconcile_duration_seconds",
            "Duration of reconcile cycles",
            reconcile_seconds.clone(),
        );
        registry.register(
            "pull_requests_opened",
            "Update pull requests opened",
            pull_requests_opened.clone(),
        );
        registry.register(
            "pull_requests_merged",
            "Update pull requests merged, by sluice or by a person",
            pull_requests_merged.clone(),
        );
        registry.register(
            "builds_published",
            "Builds published",
            builds_published.clone(),
        );
        for reason in FailureReason::ALL {
            drop(failures.get_or_create(&FailureLabels { reason }));
        }
        registry.register(
            "failures",
            "Failed reconcile steps by reason",
            failures.clone(),
        );
        Metrics {
            registry,
            reconciles,
            reconcile_seconds,
            pull_requests_opened,
            pull_requests_merged,
            builds_published,
            leader,
            failures,
        }
    }

    /// Counts a failure of `class`.
    pub fn failure(&self, class: FailureClass) {
        self.count(FailureReason::Class(class));
    }

    /// Counts a cycle that panicked.
    pub fn panic(&self) {
        self.count(FailureReason::Panic);
    }

    fn count(&self, reason: FailureReason) {
        self.failures.get_or_create(&FailureLabels { reason }).inc();
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
