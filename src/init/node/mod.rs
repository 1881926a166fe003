//! Node projects: what `package.json` says (SDK v1 or v2, the start command), the compiled
//! output of a TypeScript project, npm workspaces, and what the source says about transport,
//! port, host and endpoint.

pub mod package;
pub mod source;
pub mod workspace;

pub use package::parse;
