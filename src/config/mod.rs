//! The configuration file: its types, loading with located errors, and validation.

pub mod build_facts;
pub mod confine;
pub mod dockerfile;
pub mod load;
pub mod location;
pub mod package;
pub mod schema;
pub mod types;
pub mod validate;
pub mod yaml;

pub use confine::validate;
pub use load::{load, parse, Source};
pub use location::KeyPath;
pub use types::*;
pub use validate::Facts;
