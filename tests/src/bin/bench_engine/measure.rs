//! Measuring a phase: CPU and wall time, peak memory, git network calls.

use std::time::{Duration, Instant};

use sluice::git::{Git, NetworkCalls};

/// A size from the environment, or `default`.
pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU time (user + system) of this process, from /proc (clock ticks of 10 ms).
pub fn cpu_time() -> Duration {
    cpu_time_of("self")
}

/// CPU time (user + system) of process `pid` (`self` for this one).
pub fn cpu_time_of(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat
        .rsplit_once(") ")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Fields 14 and 15 of /proc/PID/stat (utime, stime), counted from field 3 here.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// Peak and current resident set size in MiB, from /proc.
pub fn rss_mib() -> (f64, f64) {
    rss_mib_of("self")
}

/// Peak and current resident set size of process `pid` in MiB.
pub fn rss_mib_of(pid: &str) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (kib("VmHWM:") / 1024.0, kib("VmRSS:") / 1024.0)
}

/// What one phase cost.
pub struct Measure {
    /// CPU time of the process.
    pub cpu: Duration,
    /// Wall time.
    pub wall: Duration,
    /// Git network calls.
    pub calls: NetworkCalls,
}

/// Runs `work`, measuring CPU, wall time and git network calls.
pub fn measured<T>(git: &Git, work: impl FnOnce() -> T) -> (T, Measure) {
    let (cpu, wall, calls) = (cpu_time(), Instant::now(), git.network_calls());
    let out = work();
    let after = git.network_calls();
    let calls = NetworkCalls {
        heads: after.heads - calls.heads,
        fetches: after.fetches - calls.fetches,
        pushes: after.pushes - calls.pushes,
    };
    (
        out,
        Measure {
            cpu: cpu_time().saturating_sub(cpu),
            wall: wall.elapsed(),
            calls,
        },
    )
}

/// One row of the table: a phase's figures and the peak RSS so far.
pub fn print_row(label: &str, m: &Measure) {
    let (peak, _) = rss_mib();
    println!(
        "{label:<38} {:>9.3} {:>9.3} {:>10.1} {:>7} {:>7} {:>6}",
        m.cpu.as_secs_f64(),
        m.wall.as_secs_f64(),
        peak,
        m.calls.heads,
        m.calls.fetches,
        m.calls.pushes
    );
}
