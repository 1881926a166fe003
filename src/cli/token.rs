//! `mcpstack token`: bearer tokens for the gateway, kept in the output folder's `.env`.

use super::Out;
use crate::error::{Error, Result};
use crate::output;
use crate::pipeline::Project;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  mcpstack token                 make a token and add it to deploy/.env\n  mcpstack token --revoke TOKEN  remove a token\n  mcpstack token --list          show how many tokens are set (never their values)\n\nThe gateway reads the tokens when it starts: `docker compose up -d gateway` applies a change."
)]
pub struct Args {
    /// Remove this token instead of adding one
    #[arg(long, value_name = "TOKEN", conflicts_with = "list")]
    pub revoke: Option<String>,
    /// Say how many tokens are set
    #[arg(long)]
    pub list: bool,
}

/// 32 random bytes, hex: 256 bits, and only characters the gateway accepts.
fn new_token() -> Result<String> {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Other(anyhow::anyhow!("the system random source failed")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn run(project: &Project, args: &Args, out: &Out) -> Result<i32> {
    let Some(var) = project.stack.gateway.auth_tokens_env.clone() else {
        return Err(Error::Usage(format!(
            "{} has no bearer auth (gateway.auth.type is `none`): there is no token to manage",
            project.source.file.display()
        )));
    };
    let dir = project.output_dir();
    let path = dir.join(".env");
    let prefix = format!("{var}=");
    let tokens_in = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.strip_prefix(&prefix))
            .flat_map(|v| v.split([',', ' ']))
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    };
    if args.list {
        // Never through a link: a `.env` linked to another file would be read.
        let text = output::read(&dir, ".env")?.unwrap_or_default();
        out.info(format!(
            "{var} in {} holds {} token(s)",
            path.display(),
            tokens_in(&text).len()
        ));
        return Ok(0);
    }
    // Read and written under the output folder's lock: two runs at once take turns, so neither
    // undoes the other's token or revocation. Never through a link.
    let (token, tokens) = output::update_secret(&dir, ".env", |text| {
        let text = text.unwrap_or_default();
        let mut tokens = tokens_in(&text);
        let token = match &args.revoke {
            Some(t) => {
                let before = tokens.len();
                tokens.retain(|x| x != t);
                if tokens.len() == before {
                    return Err(Error::Usage(format!(
                        "that token is not in {}",
                        path.display()
                    )));
                }
                None
            }
            None => {
                let t = new_token()?;
                tokens.push(t.clone());
                Some(t)
            }
        };
        let line = format!("{prefix}{}", tokens.join(","));
        let mut lines: Vec<String> = Vec::new();
        let mut replaced = false;
        for l in text.lines() {
            if l.starts_with(&prefix) {
                if !replaced {
                    lines.push(line.clone());
                    replaced = true;
                }
            } else {
                lines.push(l.to_string());
            }
        }
        if !replaced {
            lines.push(line);
        }
        Ok((lines.join("\n") + "\n", (token, tokens.len())))
    })?;
    match token {
        Some(t) => {
            super::say(&format!("{t}\n"));
            out.info(format!(
                "added to {var} in {} ({} token(s)); apply with `docker compose up -d gateway`",
                path.display(),
                tokens
            ));
        }
        None => out.info(format!(
            "revoked; {} token(s) left in {}; apply with `docker compose up -d gateway`",
            tokens,
            path.display()
        )),
    }
    Ok(0)
}
