//! Time as the engine uses it, under the names it has always had: the process clock
//! ([`crate::clock`]) and RFC 3339 formatting and parsing ([`sluice_core::time`]).

pub use crate::clock::{now_rfc3339, unix_now};
pub use sluice_core::time::{parse_rfc3339, rfc3339};
