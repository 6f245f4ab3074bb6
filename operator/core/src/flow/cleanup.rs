//! Deleting a subscription in a cluster: the finalizer that keeps it until sluice has
//! cleaned up after it (its open pull request closed, its head branch deleted), and when
//! that is done.

/// The finalizer sluice keeps on every Subscription it acts for.
pub const FINALIZER: &str = "sluice.dev/cleanup";

/// What to do with a Subscription's finalizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinalizerStep {
    /// Nothing to do.
    Keep,
    /// Add the finalizer: the subscription is live and lacks it.
    Add,
    /// Remove it: the subscription is being deleted and nothing is left to clean up.
    Release,
}

/// The finalizer step of a Subscription that is `deleting` (has a deletion timestamp),
/// `has_finalizer`, whose update key is still `key_in_force` through other subscriptions
/// (their next update drops its builds), and whose key has an `open_pull_request`.
pub fn finalizer_step(
    deleting: bool,
    has_finalizer: bool,
    key_in_force: bool,
    open_pull_request: bool,
) -> FinalizerStep {
    match (deleting, has_finalizer) {
        (false, false) => FinalizerStep::Add,
        (true, true) if key_in_force || !open_pull_request => FinalizerStep::Release,
        _ => FinalizerStep::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_finalizer_goes_once_the_pull_request_is_closed() {
        use FinalizerStep::{Add, Keep, Release};
        // (deleting, has finalizer, key in force, open pull request, step)
        let table = [
            (false, false, true, false, Add),
            (false, true, true, true, Keep),
            (true, true, false, true, Keep),
            (true, true, false, false, Release),
            (true, true, true, true, Release),
            (true, false, false, true, Keep),
        ];
        for (deleting, has, in_force, open, want) in table {
            assert_eq!(
                finalizer_step(deleting, has, in_force, open),
                want,
                "{deleting} {has} {in_force} {open}"
            );
        }
    }
}
