//! The one integration-test binary of core-server: real HTTP on port 0, a fresh database each.

mod adoption;
mod api_tokens;
mod assets;
mod auth;
mod backups;
mod commands;
mod crash;
mod dashboard;
mod errors;
mod events;
mod health;
mod lifecycle;
mod metrics;
mod migrations;
mod nodes;
mod openapi;
mod schedules;
mod setup;
mod support;
mod telemetry;
mod users;
