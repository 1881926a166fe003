//! The `monitoring` section.

use super::*;

pub(super) fn monitoring(ck: &mut Check, c: &Config) {
    let m = &c.monitoring;
    let p = KeyPath::of(&["monitoring"]);
    port(ck, p.key("prometheus").key("port"), m.prometheus.port);
    port(ck, p.key("grafana").key("port"), m.grafana.port);
    let r = &m.prometheus.retention;
    let ok = r.len() > 1
        && r[..r.len() - 1].chars().all(|c| c.is_ascii_digit())
        && matches!(r.chars().last(), Some('s' | 'm' | 'h' | 'd' | 'w' | 'y'));
    if !ok {
        ck.err(
            p.key("prometheus").key("retention"),
            format!("`{r}` is not a retention time"),
        )
        .help = Some("use a number and a unit from s, m, h, d, w, y, e.g. `15d`".into());
    }
    env_name(
        ck,
        p.key("grafana").key("admin_password_env"),
        &m.grafana.admin_password_env,
    );
    if let Some(cf) = c.tunnel.as_ref().and_then(|t| t.cloudflare.as_ref()) {
        env_name(
            ck,
            KeyPath::of(&["tunnel", "cloudflare", "token_env"]),
            &cf.token_env,
        );
    }
}
