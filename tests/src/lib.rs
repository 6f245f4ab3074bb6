//! End-to-end test harness for sluice.
