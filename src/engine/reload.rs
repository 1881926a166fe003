//! A running gateway picks up a changed nginx config without a restart.
//!
//! The gateway's service in compose.yaml names its config file with the label
//! `dev.mcpstack.nginx-config`; the file sits in a bind-mounted folder, so the container sees
//! a new `render` at once (a single-file mount would keep the replaced file's old inode). `up`
//! then compares the file's checksum with the one nginx last loaded (noted in the container's
//! `/tmp`) and, when it differs, runs `nginx -t` and `nginx -s reload` in the container. Open
//! connections finish on the old workers; a config that fails `nginx -t` is not loaded and `up`
//! fails with nginx's message.

use super::exec::{run, Ran};
use anyhow::{anyhow, Result};
use bollard::Docker;

/// `$1`: the config; `$2`: `loaded` when nginx just started with it (only new server addresses
/// are loaded, best effort, and the checksum noted).
/// On nginx before 1.27.3 the entrypoint beside the config first rewrites the upstream blocks
/// from the servers' current addresses (see the gateway's entrypoint.sh): `up` has just
/// created or replaced servers, and the entrypoint's own 3 s lookup would leave a replaced
/// server's routes on its old address until then.
/// Exit 0 and prints `reloaded`, `readdressed` or nothing; exit 1 with nginx's message.
const SCRIPT: &str = r#"f="$1"; mark=/tmp/mcpstack/loaded-config.cksum; ups=/tmp/mcpstack/upstreams.conf
now=$(cksum < "$f") || exit 1
moved=
if [ -e "$ups" ]; then
  was=$(cksum < "$ups")
  sh "${f%/*}/entrypoint.sh" upstreams 2>&1 || exit 1
  [ "$(cksum < "$ups")" = "$was" ] || moved=1
fi
if [ "$2" = loaded ]; then
  if [ -n "$moved" ] && nginx -s reload -c "$f" 2>/dev/null; then echo readdressed; fi
elif [ "$(cat "$mark" 2>/dev/null)" != "$now" ] || [ -n "$moved" ]; then
  nginx -t -q -c "$f" 2>&1 || exit 1
  nginx -s reload -c "$f" 2>&1 || exit 1
  if [ "$(cat "$mark" 2>/dev/null)" != "$now" ]; then echo reloaded; else echo readdressed; fi
fi
mkdir -p /tmp/mcpstack && echo "$now" > "$mark"
"#;

/// What happened in one gateway container.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Unchanged,
    /// A changed config was loaded.
    Reloaded,
    /// The config is the same; new server addresses were loaded (nginx before 1.27.3).
    Readdressed,
}

/// Reloads `container`'s nginx if `config` changed since it was loaded, or if a server's address
/// did (nginx before 1.27.3). With `fresh` (the container was just started, so nginx read the
/// current file) it notes the checksum and loads only new addresses.
pub async fn reload(
    docker: &Docker,
    container: &str,
    config: &str,
    fresh: bool,
) -> Result<Outcome> {
    let mode = if fresh { "loaded" } else { "check" };
    let Ran { code, text } = run(
        docker,
        container,
        vec!["/bin/sh", "-c", SCRIPT, "reload", config, mode],
    )
    .await?;
    if code != 0 {
        return Err(anyhow!(
            "the new gateway config was not loaded into {container}; it keeps serving the previous one:\n{}  = help: fix the cause above (a template in `templates:`?), render again and run `mcpstack up`",
            text.lines().map(|l| format!("  | {l}\n")).collect::<String>()
        ));
    }
    Ok(if text.contains("reloaded") {
        Outcome::Reloaded
    } else if text.contains("readdressed") {
        Outcome::Readdressed
    } else {
        Outcome::Unchanged
    })
}
