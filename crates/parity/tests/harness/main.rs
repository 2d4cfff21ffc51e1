//! The harness tests itself: real Rust backends, a mutating proxy, the `parity` binary end to end.

mod end_to_end;
mod hostile;
mod mutations;
mod support;
