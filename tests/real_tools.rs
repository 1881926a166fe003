//! Checks of the rendered files with the real tools. Built only with `--features real-tools`
//! (`.ci/run` installs the tools first); a missing tool fails the test, it never skips.
#![cfg(feature = "real-tools")]

mod common;
mod projects_common;
use common::*;
use std::path::Path;

/// The examples, test fixtures that cover other modes, and every project shape in one config.
const PROJECTS: [&str; 7] = [
    "spike",
    "todo",
    "gateway",
    "docker-mcp-gateway",
    "packages",
    "fixtures/acme",
    "projects",
];
/// Those whose servers are all prebuilt images: they render no Dockerfile.
const IMAGES_ONLY: [&str; 1] = ["docker-mcp-gateway"];

fn rendered(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, dir) = match name.strip_prefix("fixtures/") {
        None if name == "projects" => {
            use projects_common::*;
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join("projects");
            workspace(&dir);
            (tmp, dir)
        }
        Some(f) => {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join(f);
            let src = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(f);
            copy_tree(&src, &dir);
            (tmp, dir)
        }
        None => example_copy(name),
    };
    let o = run(&["render"], &dir);
    assert!(o.status.success(), "{:?}", text(&o));
    (tmp, dir)
}

#[test]
fn dockerfiles_pass_hadolint() {
    for name in PROJECTS {
        let (_t, dir) = rendered(name);
        let deploy = dir.join("deploy");
        let dockerfiles: Vec<String> = read_tree(&deploy)
            .into_iter()
            .map(|(p, _)| p)
            .filter(|p| p.ends_with("/Dockerfile"))
            .collect();
        assert_eq!(
            dockerfiles.is_empty(),
            IMAGES_ONLY.contains(&name),
            "{name}: {dockerfiles:?}"
        );
        for df in dockerfiles {
            let o = tool("hadolint", &["--format", "json", "--no-fail", &df], &deploy);
            let findings: serde_json::Value = serde_json::from_slice(&o.stdout)
                .unwrap_or_else(|e| panic!("hadolint output for {df}: {e}: {:?}", text(&o)));
            let errors: Vec<_> = findings
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["level"] == "error" || f["level"] == "warning")
                .collect();
            assert!(
                errors.is_empty(),
                "{name}/{df}: hadolint errors or warnings: {errors:#?}"
            );
        }
    }
}

#[test]
fn compose_passes_the_compose_spec_schema() {
    for name in PROJECTS {
        let (_t, dir) = rendered(name);
        let o = tool(
            "check-jsonschema",
            &["--builtin-schema", "vendor.compose-spec", "compose.yaml"],
            &dir.join("deploy"),
        );
        assert!(o.status.success(), "{name}: {:?}", text(&o));
    }
}

#[test]
fn compose_config_is_accepted_for_every_profile() {
    for name in PROJECTS {
        let (_t, dir) = rendered(name);
        let deploy = dir.join("deploy");
        write_env(&deploy);
        for profile in ["dev", "production", "monitoring"] {
            let o = tool("docker-compose", &["--profile", profile, "config"], &deploy);
            let (out, err) = text(&o);
            assert!(o.status.success(), "{name} --profile {profile}: {err}");
            // v1 prints every service; check each one's profile in the resolved file.
            let resolved: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
            let services = resolved["services"].as_mapping().unwrap();
            assert!(services.contains_key("gateway") && services.contains_key("gateway-dev"));
            if name == "fixtures/acme" {
                assert!(services.contains_key("certbot"), "{name}: no certbot");
            }
            for (svc, def) in services {
                let svc = svc.as_str().unwrap();
                let profiles: Vec<&str> = def["profiles"]
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap())
                    .collect();
                let monitoring = [
                    "prometheus",
                    "grafana",
                    "blackbox-exporter",
                    "nginx-exporter",
                    "cadvisor",
                ];
                // A base image's build-only service (no replicas) serves both profiles.
                if def["deploy"]["replicas"].as_u64() == Some(0) {
                    assert!(svc.ends_with("-base"), "{name}: {svc}");
                    assert_eq!(profiles, ["dev", "production"], "{name}: {svc}");
                    continue;
                }
                let want = if svc.ends_with("-dev") {
                    "dev"
                } else if monitoring.contains(&svc) {
                    "monitoring"
                } else {
                    "production"
                };
                assert_eq!(profiles, [want], "{name}: {svc}");
            }
        }
    }
}

/// Renders a project with monitoring on (the examples turn it on or off; this forces it).
fn rendered_with_monitoring(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, dir) = example_copy(name);
    let cfg = dir.join("mcp-stack.yaml");
    let mut c: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
    c["monitoring"]["enabled"] = true.into();
    std::fs::write(&cfg, serde_yaml::to_string(&c).unwrap()).unwrap();
    let o = run(&["render"], &dir);
    assert!(o.status.success(), "{:?}", text(&o));
    (tmp, dir)
}

#[test]
fn prometheus_config_rules_and_dashboard_queries_pass_promtool() {
    for name in ["spike", "todo", "gateway"] {
        let (_t, dir) = rendered_with_monitoring(name);
        let prom = dir.join("deploy/prometheus");
        let o = tool("promtool", &["check", "config", "prometheus.yml"], &prom);
        assert!(o.status.success(), "{name}: {:?}", text(&o));
        let o = tool("promtool", &["check", "rules", "alerts.yml"], &prom);
        assert!(o.status.success(), "{name}: {:?}", text(&o));
        // Every dashboard query, as a recording rule, must be valid PromQL.
        let dash: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("deploy/grafana/dashboards/mcp-stack.json")).unwrap(),
        )
        .unwrap();
        let exprs: Vec<String> = dash["panels"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
            .map(|t| t["expr"].as_str().unwrap().to_string())
            .collect();
        assert!(exprs.len() > 5, "{name}: {exprs:?}");
        let rules: Vec<serde_json::Value> = exprs
            .iter()
            .enumerate()
            .map(|(i, e)| serde_json::json!({"record": format!("dashboard:query_{i}"), "expr": e}))
            .collect();
        let file = serde_json::json!({"groups": [{"name": "dashboard", "rules": rules}]});
        std::fs::write(
            prom.join("dashboard-queries.yml"),
            serde_yaml::to_string(&file).unwrap(),
        )
        .unwrap();
        let o = tool(
            "promtool",
            &["check", "rules", "dashboard-queries.yml"],
            &prom,
        );
        assert!(
            o.status.success(),
            "{name}: dashboard queries: {:?}",
            text(&o)
        );
        let o = tool(
            "prometheus-blackbox-exporter",
            &["--config.file=blackbox.yml", "--config.check"],
            &prom,
        );
        assert!(
            o.status.success(),
            "{name}: blackbox config: {:?}",
            text(&o)
        );
    }
}
