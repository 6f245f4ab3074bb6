//! Git layer: persistent repository cache, no-worktree commits, compare-and-swap pushes.
