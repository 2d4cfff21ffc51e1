//! Simulated field nodes. `waveform` makes believable readings (pure functions of time and
//! output state, also used to seed the demo's history); `client` speaks the node API.

#[cfg(feature = "client")]
pub mod client;
pub mod waveform;
