//! Keys servers and services share: command, env, secrets, ports, resources, hardening.

use super::*;

/// Docker's smallest memory limit, and a largest one that is surely a mistake beyond.
const MIN_MEMORY: u64 = 6 << 20;
const MAX_MEMORY: u64 = 1 << 40;

pub(super) fn command(ck: &mut Check, p: &KeyPath, cmd: Option<&Vec<String>>) {
    if let Some(cmd) = cmd {
        if cmd.is_empty() {
            ck.err(p.key("command"), "command is empty");
        }
        for (i, arg) in cmd.iter().enumerate() {
            if arg.contains('\0') {
                ck.err(
                    p.key("command").index(i),
                    "an argument contains a NUL character",
                );
            }
        }
    }
}

pub(super) fn env_and_secrets(
    ck: &mut Check,
    p: &KeyPath,
    env: &BTreeMap<String, Scalar>,
    secrets: &[String],
) {
    for (k, v) in env {
        env_name(ck, p.key("env").key(k), k);
        if let Some(why) = secret_looking(k, &v.to_string()) {
            ck.warn(
                p.key("env").key(k),
                format!("`{k}` looks like a secret ({why}); its value would be written into compose.yaml"),
                format!("move it to `secrets: [{k}]` and put the value in .env beside the rendered files"),
            );
        }
        if v.to_string().contains('\0') {
            ck.err(
                p.key("env").key(k),
                "the value contains a NUL character, which no environment variable can hold",
            );
        }
    }
    let mut seen = BTreeSet::new();
    for (i, s) in secrets.iter().enumerate() {
        let key = p.key("secrets").index(i);
        env_name(ck, key.clone(), s);
        if env.contains_key(s) {
            ck.err(key.clone(), format!("`{s}` is both in env and in secrets"))
                .help = Some(
                "a secret's value comes from the environment at run time; remove it from env"
                    .into(),
            );
        }
        if !seen.insert(s) {
            ck.err(key, format!("`{s}` is listed twice"));
        }
    }
}

pub(super) fn env_name(ck: &mut Check, key: KeyPath, name: &str) {
    if !is_env_name(name) {
        ck.err(key, format!("`{name}` is not a valid variable name"))
            .help =
            Some("use letters, digits and `_`, not starting with a digit, e.g. `API_TOKEN`".into());
    }
}

pub(super) fn port(ck: &mut Check, key: KeyPath, n: i64) {
    if !(1..=65535).contains(&n) {
        ck.err(key, format!("port {n} is out of range")).help = Some("ports are 1 to 65535".into());
    }
}

pub(super) fn resources(ck: &mut Check, p: &KeyPath, r: Option<&Resources>) {
    let Some(r) = r else { return };
    if let Some(cpus) = &r.cpus {
        let text = cpus.to_string();
        // Plain decimals only: no sign, exponent or hex, which Compose and the engine read differently.
        let plain = matches!(cpus, Scalar::Text(_) | Scalar::Int(_) | Scalar::Float(_))
            && !text.is_empty()
            && text.len() <= 10
            && text.chars().all(|c| c.is_ascii_digit() || c == '.')
            && text.matches('.').count() <= 1
            && !text.starts_with('.')
            && !text.ends_with('.');
        let ok = plain
            && text
                .parse::<f64>()
                .is_ok_and(|v| (0.01..=1024.0).contains(&v));
        if !ok {
            ck.err(
                p.key("resources").key("cpus"),
                format!("`{cpus}` is not a CPU count"),
            )
            .help = Some("use a number from 0.01 to 1024 such as \"0.5\" or \"2\"".into());
        }
    }
    if let Some(m) = &r.memory {
        let bytes = crate::units::parse_bytes(m);
        if bytes.is_some_and(|b| !(MIN_MEMORY..=MAX_MEMORY).contains(&b)) {
            ck.err(
                p.key("resources").key("memory"),
                format!("`{m}` is outside 6M to 1024G"),
            )
            .help = Some("Docker needs at least 6M; use e.g. `512M` or `2G`".into());
        } else if bytes.is_none() {
            ck.err(
                p.key("resources").key("memory"),
                format!("`{m}` is not a memory size"),
            )
            .help = Some("use a number with b, k, m or g, e.g. `512M`".into());
        }
    }
}

pub(super) fn dev(ck: &mut Check, p: &KeyPath, d: &Dev) {
    if let Some(n) = d.port {
        port(ck, p.key("dev").key("port"), n);
    }
}

pub(super) fn hardening(
    ck: &mut Check,
    p: &KeyPath,
    cap_add: &[String],
    tmpfs: &[String],
    user: Option<&str>,
) {
    for (i, c) in cap_add.iter().enumerate() {
        let ok = !c.is_empty() && c.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_');
        if !ok {
            ck.err(
                p.key("cap_add").index(i),
                format!("`{c}` is not a capability name"),
            )
            .help = Some("e.g. `NET_BIND_SERVICE` (without the CAP_ prefix)".into());
        }
    }
    for (i, t) in tmpfs.iter().enumerate() {
        if !t.starts_with('/') || !is_file_path(t) {
            ck.err(
                p.key("tmpfs").index(i),
                format!("`{t}` is not an absolute path"),
            );
        }
    }
    if let Some(u) = user {
        let ok = u.split(':').count() <= 2
            && u.split(':').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
        if !ok {
            ck.err(p.key("user"), format!("`{u}` is not a user")).help =
                Some("use `uid`, `uid:gid` or a user name".into());
        }
    }
}

/// Why a literal env value looks like a secret, if it does: a secret-sounding name with a
/// real-looking value, a well-known token format, a private key or a password in a URL.
pub fn secret_looking(name: &str, value: &str) -> Option<&'static str> {
    let v = value.trim();
    if v.contains("PRIVATE KEY-----") {
        return Some("a private key");
    }
    const PREFIXES: &[&str] = &[
        "sk-",
        "sk_live_",
        "rk_live_",
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "github_pat_",
        "glpat-",
        "xoxb-",
        "xoxp-",
        "xapp-",
        "AKIA",
        "ASIA",
        "AIza",
        "hf_",
        "npm_",
        "pypi-",
    ];
    if PREFIXES.iter().any(|p| v.starts_with(p)) && v.len() >= 16 && !v.contains(' ') {
        return Some("a token format");
    }
    if let Some((_, rest)) = v.split_once("://") {
        let userinfo = rest.split(['/', '?', '#']).next().unwrap_or("");
        if let Some((user, _)) = userinfo.rsplit_once('@') {
            if user.split_once(':').is_some_and(|(_, pw)| !pw.is_empty()) {
                return Some("a password in a URL");
            }
        }
    }
    let upper = name.to_ascii_uppercase();
    const WORDS: &[&str] = &[
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "ACCESS_KEY",
        "CREDENTIAL",
        "AUTH_KEY",
    ];
    let placeholder = v.is_empty()
        || v.len() < 8
        || v.starts_with('$')
        || [
            "changeme",
            "change-me",
            "example",
            "placeholder",
            "xxx",
            "<",
            "your",
        ]
        .iter()
        .any(|p| v.to_ascii_lowercase().contains(p));
    let names_a_place = ["_URL", "_URI", "_FILE", "_PATH", "_ENV", "_NAME", "_HEADER"]
        .iter()
        .any(|s| upper.ends_with(s))
        || v.contains("://");
    if WORDS.iter().any(|w| upper.contains(w)) && !placeholder && !names_a_place {
        return Some("its name");
    }
    None
}
