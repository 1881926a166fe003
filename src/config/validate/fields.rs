//! Keys servers and services share: command, env, secrets, ports, resources, hardening.

use super::*;

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
    for k in env.keys() {
        env_name(ck, p.key("env").key(k), k);
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
        let ok = cpus
            .to_string()
            .parse::<f64>()
            .is_ok_and(|v| v > 0.0 && v <= 1024.0);
        if !ok {
            ck.err(
                p.key("resources").key("cpus"),
                format!("`{cpus}` is not a CPU count"),
            )
            .help = Some("use a positive number such as \"0.5\" or \"2\"".into());
        }
    }
    if let Some(m) = &r.memory {
        if crate::units::parse_bytes(m).is_none() {
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
