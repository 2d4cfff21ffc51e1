//! Who is calling and what they may do: passwords, sessions, API tokens, roles mapped to
//! capabilities, login throttling, and the extractors handlers use to demand a capability.

pub mod capabilities;
pub mod extract;
pub mod node;
pub mod password;
pub mod secrets;
pub mod throttle;

pub use capabilities::{Capability, capabilities_of};
pub use extract::{Authz, Principal, PrincipalKind};
pub use node::NodeCaller;

/// Name of the browser session cookie.
pub const SESSION_COOKIE: &str = "farm_session";
