//! A folder's own Dockerfile: the port it exposes, its command, and whether it is a stdio
//! server (`docker run -i`, no `EXPOSE`, a stdio command).

use super::guess::Guess;
pub use crate::config::dockerfile::exec_command;
use crate::config::Transport;
use std::collections::BTreeSet;
use std::path::Path;

/// What the Dockerfile (and the README beside it) say. `source` is the transport the source
/// says, if any.
pub fn read(dir: &Path, text: &str, source: Option<Transport>, g: &mut Guess) {
    if let Some(p) = exposed_port(text) {
        g.port(p, format!("the Dockerfile's EXPOSE {p}"));
    }
    let readme = ["README.md", "README", "readme.md"]
        .iter()
        .find_map(|f| std::fs::read_to_string(dir.join(f)).ok())
        .unwrap_or_default();
    let interactive = runs_interactive(text) || runs_interactive(&readme);
    let command = exec_command(text);
    let stdio = match source {
        Some(Transport::Stdio) => Some("the source serves stdio only".to_string()),
        None if interactive => Some("its usage is `docker run -i` (stdio)".to_string()),
        _ => None,
    };
    if let Some(why) = stdio {
        g.transport(Transport::Stdio, why);
        match command {
            Some(c) => g.command(c, "the Dockerfile's ENTRYPOINT/CMD (the bridge starts it)"),
            None => g.warn(
                "a stdio server needs its command: the Dockerfile's CMD is not in exec form \
                 (`CMD [\"node\", \"index.js\"]`); pass `--command NAME='...'`",
            ),
        }
    } else if source.is_none() {
        g.transport(
            Transport::StreamableHttp,
            "an image with its own Dockerfile, nothing says stdio: streamable-http assumed",
        );
    }
}

/// The port of a Dockerfile's `EXPOSE`, when there is exactly one.
pub fn exposed_port(dockerfile: &str) -> Option<i64> {
    let ports: BTreeSet<i64> = dockerfile
        .lines()
        .map(str::trim)
        .filter_map(|l| {
            l.get(..7)
                .filter(|h| h.eq_ignore_ascii_case("EXPOSE "))
                .map(|_| &l[7..])
        })
        .flat_map(str::split_whitespace)
        .filter_map(|p| p.split('/').next()?.parse().ok())
        .filter(|p| (1..=65535).contains(p))
        .collect();
    (ports.len() == 1).then(|| *ports.iter().next().expect("one port"))
}

/// `docker run -i ...`, `docker run --rm -i`, `docker run -it`, `--interactive`.
fn runs_interactive(text: &str) -> bool {
    text.lines().any(|l| {
        let Some(i) = l.find("docker run") else {
            return false;
        };
        l[i + 10..]
            .split_whitespace()
            .take_while(|w| w.starts_with('-'))
            .any(|w| {
                w == "--interactive"
                    || (w.starts_with('-') && !w.starts_with("--") && w.contains('i'))
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposed_ports() {
        assert_eq!(exposed_port("FROM x\nEXPOSE 3000\n"), Some(3000));
        assert_eq!(exposed_port("expose 8080/tcp\n"), Some(8080));
        assert_eq!(exposed_port("EXPOSE 80 443\n"), None);
        assert_eq!(exposed_port("EXPOSE $PORT\n"), None);
        assert_eq!(exposed_port("FROM x\n"), None);
        assert_eq!(exposed_port("# ééééé\nEXPOSE 1\n"), Some(1));
    }

    #[test]
    fn interactive_usage() {
        assert!(runs_interactive("docker run -i --rm mcp/time"));
        assert!(runs_interactive("    docker run --rm -it x"));
        assert!(runs_interactive("docker run --interactive x"));
        assert!(!runs_interactive("docker run -p 8000:8000 x"));
        assert!(!runs_interactive("docker run --rm x -i"));
    }
}
