//! Registry credentials from the Docker client's config (`$DOCKER_CONFIG/config.json`, else
//! `~/.docker/config.json`): the `auths` entry of the registry's host, as `docker login` wrote it.
//! Credential helpers (`credsStore`) are not run; their registries push without credentials.

use base64::Engine as _;
use bollard::auth::DockerCredentials;
use std::path::PathBuf;

fn config_file() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker/config.json"))
}

/// The host part of an image reference prefix (`localhost:5000/team` → `localhost:5000`).
pub fn registry_host(registry: &str) -> &str {
    registry.split('/').next().unwrap_or(registry)
}

/// Credentials for `host` from the config file's text, if it has them.
pub fn from_config(text: &str, host: &str) -> Option<DockerCredentials> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    let auths = json.get("auths")?.as_object()?;
    // Keys may be written as a URL (`https://index.docker.io/v1/`) or a bare host.
    let entry = auths.iter().find_map(|(k, v)| {
        let bare = k
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or_default();
        (bare == host).then_some(v)
    })?;
    let auth = entry.get("auth")?.as_str()?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, pass) = decoded.split_once(':')?;
    Some(DockerCredentials {
        username: Some(user.to_string()),
        password: Some(pass.to_string()),
        serveraddress: Some(host.to_string()),
        ..Default::default()
    })
}

/// Credentials for `host` from the user's Docker config, if any.
pub fn for_host(host: &str) -> Option<DockerCredentials> {
    let text = std::fs::read_to_string(config_file()?).ok()?;
    from_config(&text, host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_auths_entry_of_the_host_is_decoded() {
        // "ci:s3cret" in base64.
        let text = r#"{"auths":{"https://registry.example.com/v1/":{"auth":"Y2k6czNjcmV0"},"other:5000":{"auth":"eDp5"}}}"#;
        let c = from_config(text, "registry.example.com").unwrap();
        assert_eq!(c.username.as_deref(), Some("ci"));
        assert_eq!(c.password.as_deref(), Some("s3cret"));
        assert_eq!(
            from_config(text, "other:5000").unwrap().username.as_deref(),
            Some("x")
        );
        assert!(from_config(text, "nowhere:5000").is_none());
        assert!(from_config("not json", "registry.example.com").is_none());
    }

    #[test]
    fn the_host_is_the_first_part_of_the_registry() {
        assert_eq!(registry_host("localhost:5000/team/x"), "localhost:5000");
        assert_eq!(registry_host("ghcr.io"), "ghcr.io");
    }
}
