//! Counting the network operations the git layer starts (for benchmarks and metrics).

/// Network operations started since the git layer was created.
#[derive(Debug, Default)]
pub(crate) struct NetworkCounters {
    pub(crate) heads: std::sync::atomic::AtomicU64,
    pub(crate) fetches: std::sync::atomic::AtomicU64,
    pub(crate) pushes: std::sync::atomic::AtomicU64,
}

/// How many network operations the git layer started, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetworkCalls {
    /// Ref advertisements for a branch head ([`RemoteRepo::head`]).
    pub heads: u64,
    /// Fetches ([`RemoteRepo::fetch`]; each also reads the ref advertisement).
    pub fetches: u64,
    /// Pushes and branch deletions.
    pub pushes: u64,
}

impl NetworkCalls {
    /// Every call.
    pub fn total(&self) -> u64 {
        self.heads + self.fetches + self.pushes
    }
}
