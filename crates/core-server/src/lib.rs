//! Farm Controller's core server: the REST API under `/api`, `/healthz`, and the embedded
//! dashboard under `/`. `main.rs` only reads configuration and calls into `app`.

pub mod app;
pub mod assets;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod engine;
pub mod error;
pub mod http;
pub mod store;
