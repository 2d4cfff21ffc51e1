//! The one integration-test binary of core-server: real HTTP on port 0, a fresh database each.

mod api_tokens;
mod assets;
mod auth;
mod errors;
mod health;
mod lifecycle;
mod migrations;
mod openapi;
mod support;
mod users;
