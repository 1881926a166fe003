//! The `monitoring` section.

use super::*;

pub(super) fn monitoring(ck: &mut Check, c: &Config) {
    let m = &c.monitoring;
    let p = KeyPath::of(&["monitoring"]);
    port(ck, p.key("prometheus").key("port"), m.prometheus.port);
    port(ck, p.key("grafana").key("port"), m.grafana.port);
    let r = &m.prometheus.retention;
    let ok = r
        .strip_suffix(['s', 'm', 'h', 'd', 'w', 'y'])
        .is_some_and(|n| whole_number_in(n, 1..=100_000));
    if !ok {
        ck.err(
            p.key("prometheus").key("retention"),
            format!("`{r}` is not a retention time"),
        )
        .help = Some("use a number and a unit from s, m, h, d, w, y, e.g. `15d`".into());
    }
    let t = &m.probe_latency_threshold;
    let ms = crate::units::parse_duration_ms(t);
    if !ms.is_some_and(|ms| (1..=300_000).contains(&ms)) {
        ck.err(
            p.key("probe_latency_threshold"),
            format!("`{t}` is not a latency between 1ms and 5m"),
        )
        .help = Some("use a number and a unit, e.g. `500ms` or `2s`".into());
    }
    env_name(
        ck,
        p.key("grafana").key("admin_password_env"),
        &m.grafana.admin_password_env,
    );
    let cloudflare = c.tunnel.as_ref().and_then(|t| t.cloudflare.as_ref());
    if let Some(cf) = cloudflare {
        env_name(
            ck,
            KeyPath::of(&["tunnel", "cloudflare", "token_env"]),
            &cf.token_env,
        );
    }
    if !c.gateway.publish && cloudflare.is_none() {
        ck.warn(
            KeyPath::of(&["gateway", "publish"]),
            "the production gateway publishes no port and there is no tunnel: only containers on the project network can reach it",
            "add `tunnel: { cloudflare: {} }`, or remove `publish: false`",
        );
    }
}
