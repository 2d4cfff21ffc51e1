//! The parity harness: replays data-driven scenarios (and generated requests) against two
//! backends on copies of one seeded database, and reports every difference in their answers
//! and stored rows as a JSON pointer with both values.

pub mod backend;
pub mod canon;
pub mod cli;
pub mod conformance;
pub mod db;
pub mod diff;
pub mod exchange;
pub mod generate;
pub mod hostile;
pub mod openapi;
pub mod report;
pub mod rules;
pub mod runner;
pub mod scenario;
