//! The Docker engine's socket: only `docker_socket: true` on a server mounts it, with a warning.
//! Every other way in (a host path in `volumes`, a link, `DOCKER_HOST`) is refused.

use super::*;

/// The hint every refusal gives.
const HELP: &str = "only a server's `docker_socket: true` gives a container the engine's socket (mounted at /var/run/docker.sock, with a warning); set it on the one server that must manage containers";

/// Whether mounting the absolute host path `path` gives a container the engine's socket (or
/// containerd's): the socket itself, a folder holding one, or a folder above them.
pub fn is_socket_path(path: &Path) -> bool {
    let mut parts: Vec<String> = Vec::new();
    for part in path.components() {
        match part {
            PathPart::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            PathPart::ParentDir => {
                parts.pop();
            }
            _ => {}
        }
    }
    // `/var/run` is a link to `/run` on current distributions.
    if parts.len() >= 2 && parts[0] == "var" && parts[1] == "run" {
        parts.remove(0);
    }
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    match parts.as_slice() {
        [] | ["var"] | ["run"] | ["run", "user"] | ["run", "user", _] | ["run", "containerd"] => {
            true
        }
        [.., last] => last.ends_with("docker.sock") || *last == "containerd.sock",
    }
}

/// `docker_socket: true`: allowed, never quietly.
pub(super) fn docker_socket(ck: &mut Check, p: &KeyPath, s: &Server) {
    if s.docker_socket {
        ck.warn(
            p.key("docker_socket"),
            "`docker_socket: true` gives this container control of the host",
            "whoever can make this server act (a client, a prompt, a tool argument, its image) can start privileged containers and read or change any file on the host; keep it only for a server that must manage containers, such as the Docker MCP Gateway, and reach the stack through the tunnel or a private address",
        );
    }
}

/// A host path in `volumes` that reaches the socket. Other absolute paths are refused by
/// `volume` with the general message.
pub(super) fn socket_volume(ck: &mut Check, key: KeyPath, src: &str) -> bool {
    if !(src.starts_with('/') && is_socket_path(Path::new(src))) {
        return false;
    }
    ck.err(
        key,
        format!(
            "`{src}` would give the container the Docker engine's socket, and with it the host"
        ),
    )
    .help = Some(HELP.into());
    true
}

/// `DOCKER_HOST` pointing at a unix socket: allowed only as the mounted socket of a server
/// with `docker_socket: true`.
pub(super) fn docker_host(
    ck: &mut Check,
    p: &KeyPath,
    env: &BTreeMap<String, Scalar>,
    has_socket: bool,
) {
    let Some(value) = env.get("DOCKER_HOST").map(|v| v.to_string()) else {
        return;
    };
    let Some(path) = value.strip_prefix("unix://") else {
        return;
    };
    if has_socket && Path::new(path) == Path::new(crate::model::DOCKER_SOCKET) {
        return;
    }
    let key = p.key("env").key("DOCKER_HOST");
    if has_socket {
        ck.err(
            key,
            format!("`DOCKER_HOST` points at `{path}`, but the socket is mounted at /var/run/docker.sock"),
        )
        .help = Some("remove `DOCKER_HOST`: Docker clients find /var/run/docker.sock by default".into());
    } else {
        ck.err(
            key,
            format!("`DOCKER_HOST` points at the unix socket `{path}`: a Docker engine's socket gives the container the host"),
        )
        .help = Some(HELP.into());
    }
}

#[cfg(test)]
mod tests {
    use super::is_socket_path;
    use std::path::Path;

    #[test]
    fn the_socket_its_folders_and_their_parents_are_socket_paths() {
        for p in [
            "/var/run/docker.sock",
            "/run/docker.sock",
            "//var/run/docker.sock",
            "/var/./run/../run/docker.sock",
            "/var/run",
            "/run",
            "/var",
            "/",
            "/run/user/1000",
            "/run/user/1000/docker.sock",
            "/home/me/.docker/desktop/docker.sock",
            "/run/containerd/containerd.sock",
        ] {
            assert!(is_socket_path(Path::new(p)), "{p}");
        }
        for p in ["/srv/data", "/var/lib/postgres", "/run/secrets", "/etc/ssl"] {
            assert!(!is_socket_path(Path::new(p)), "{p}");
        }
    }
}
