//! The answers `init` collects, typed, and the configuration they make.

use crate::config::{AuthType, Config, Runtime, Server, TlsMode, Transport};

/// Everything `init` asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Answers {
    pub name: String,
    pub domain: String,
    pub servers: Vec<ServerAnswer>,
    pub tls: TlsAnswer,
    pub auth: AuthType,
    pub monitoring: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsAnswer {
    pub mode: TlsMode,
    /// acme only.
    pub email: Option<String>,
    /// manual only.
    pub cert: Option<String>,
    /// manual only.
    pub key: Option<String>,
}

/// One server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAnswer {
    pub name: String,
    pub from: From,
    pub transport: Transport,
    pub command: Option<Vec<String>>,
    /// Container port, when it is not the default 8000.
    pub port: Option<i64>,
    pub path: String,
    /// The server's own MCP endpoint, when the source sets one that is not the default.
    pub endpoint: Option<String>,
    /// Environment values the source needs in a container (e.g. a host to bind), with why.
    pub env: Vec<(String, String)>,
    /// Names of variables whose values come from the environment at run time (`secrets:`).
    pub secrets: Vec<String>,
    /// A `package:` server's extra arguments (`args:`).
    pub args: Vec<String>,
    /// Where it came from and what was guessed, written as comments above it.
    pub notes: Vec<String>,
}

/// Where a server's image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum From {
    /// A folder relative to the config, written as `./folder`.
    Build {
        folder: String,
        runtime: Runtime,
    },
    Image(String),
    /// A pinned package: `pypi:NAME==VERSION` or `npm:NAME@VERSION`.
    Package(String),
}

impl ServerAnswer {
    /// A server with the default path `/<name>/`.
    pub fn new(name: &str, from: From, transport: Transport) -> Self {
        ServerAnswer {
            name: name.to_string(),
            from,
            transport,
            command: None,
            port: None,
            path: format!("/{name}/"),
            endpoint: None,
            env: Vec::new(),
            secrets: Vec::new(),
            args: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The `build:` value: `./` and the folder.
    pub fn build_value(&self) -> Option<String> {
        match &self.from {
            From::Build { folder, .. } if folder == "." => Some(".".into()),
            From::Build { folder, .. } => Some(format!("./{}", folder.trim_start_matches("./"))),
            From::Image(_) | From::Package(_) => None,
        }
    }

    pub fn to_server(&self) -> Server {
        // `package` and `args` are read as the loader reads them, so they stay its keys.
        let mut s: Server = match &self.from {
            From::Package(p) if self.args.is_empty() => {
                from_value(serde_json::json!({ "package": p }))
            }
            From::Package(p) => from_value(serde_json::json!({ "package": p, "args": self.args })),
            _ => from_defaults(),
        };
        s.build = self.build_value();
        match &self.from {
            From::Build { runtime, .. } => s.runtime = *runtime,
            From::Image(image) => s.image = Some(image.clone()),
            From::Package(_) => {}
        }
        s.transport = self.transport;
        s.command = self.command.clone();
        // Written out even when it is the default: the file shows where the server listens.
        s.port = Some(self.port.unwrap_or(DEFAULT_PORT));
        s.path = Some(self.path.clone());
        s.endpoint = self.endpoint.clone();
        s.env = self
            .env
            .iter()
            .map(|(k, v)| (k.clone(), crate::config::Scalar::Text(v.clone())))
            .collect();
        s.secrets = self.secrets.clone();
        s
    }
}

impl Answers {
    /// Defaults for everything but the name.
    pub fn new(name: &str) -> Self {
        Answers {
            name: name.to_string(),
            domain: DEFAULT_DOMAIN.to_string(),
            servers: Vec::new(),
            tls: TlsAnswer::default(),
            auth: AuthType::None,
            monitoring: false,
        }
    }

    /// The configuration these answers make: every other key keeps its default.
    pub fn to_config(&self) -> Config {
        let mut c: Config = from_value(serde_json::json!({ "version": 1, "name": self.name }));
        c.domain = self.domain.clone();
        c.gateway.tls.mode = self.tls.mode;
        c.gateway.tls.email = self.tls.email.clone();
        c.gateway.tls.cert = self.tls.cert.clone();
        c.gateway.tls.key = self.tls.key.clone();
        c.gateway.auth.kind = self.auth;
        c.monitoring.enabled = self.monitoring;
        for s in &self.servers {
            c.servers.insert(s.name.clone(), s.to_server());
        }
        c
    }

    pub fn server_mut(&mut self, name: &str) -> Option<&mut ServerAnswer> {
        self.servers.iter_mut().find(|s| s.name == name)
    }
}

pub const DEFAULT_DOMAIN: &str = "mcp.local";
/// The container port servers listen on unless they say otherwise.
pub const DEFAULT_PORT: i64 = 8000;

/// A value of a config type with the loader's defaults (which `Default` does not always have).
fn from_defaults<T: serde::de::DeserializeOwned>() -> T {
    from_value(serde_json::json!({}))
}

fn from_value<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).expect("the config types have defaults for every optional key")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_from_answers_keeps_loader_defaults() {
        let mut a = Answers::new("demo");
        a.servers.push(ServerAnswer::new(
            "main",
            From::Build {
                folder: "servers/main".into(),
                runtime: Runtime::Python,
            },
            Transport::Stdio,
        ));
        let c = a.to_config();
        let s = &c.servers["main"];
        assert_eq!(s.replicas, 1);
        assert_eq!(s.timeout, "300s");
        assert_eq!(s.health, "mcp");
        assert_eq!(s.build.as_deref(), Some("./servers/main"));
        assert_eq!(s.path.as_deref(), Some("/main/"));
        assert_eq!(c.domain, "mcp.local");
        assert_eq!(c.gateway.https_port, 443);
    }
}
