//! mcpstack: one `mcp-stack.yaml` → a reviewed, reproducible deployment of MCP servers.
//!
//! config file → [`config`] (parsed, validated) → [`model`] (resolved stack) →
//! [`render`] (pure renderers) → [`output`] (render, --check, --diff).

pub mod certs;
pub mod cli;
pub mod config;
pub mod durable;
pub mod engine;
pub mod error;
pub mod init;
pub mod mcp;
pub mod model;
pub mod output;
pub mod parallel;
pub mod pipeline;
pub mod render;
pub mod units;

pub use error::{Error, Result};
