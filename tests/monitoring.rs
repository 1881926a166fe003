//! The monitoring profile's files: generated from the servers, consistent with each other.

mod common;
use common::*;
use std::fs;

fn with_monitoring(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, dir) = example_copy(name);
    let cfg = dir.join("mcp-stack.yaml");
    let yaml = fs::read_to_string(&cfg)
        .unwrap()
        .replace("enabled: false", "enabled: true");
    fs::write(&cfg, yaml).unwrap();
    assert!(run(&["render"], &dir).status.success());
    (tmp, dir)
}

#[test]
fn every_panel_uses_the_provisioned_datasource_and_the_uid_is_stable() {
    let (_t, dir) = with_monitoring("gateway");
    let deploy = dir.join("deploy");
    let ds =
        fs::read_to_string(deploy.join("grafana/provisioning/datasources/prometheus.yml")).unwrap();
    let ds: serde_yaml::Value = serde_yaml::from_str(&ds).unwrap();
    let uid = ds["datasources"][0]["uid"].as_str().unwrap().to_string();
    let text = fs::read_to_string(deploy.join("grafana/dashboards/mcp-stack.json")).unwrap();
    let dash: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(dash["uid"], "mcpstack-gateway");
    assert_eq!(dash["title"], "MCP stack");
    for p in dash["panels"].as_array().unwrap() {
        if p["type"] == "row" {
            continue;
        }
        assert_eq!(p["datasource"]["uid"], uid.as_str(), "{p}");
        for t in p["targets"].as_array().unwrap() {
            assert_eq!(t["datasource"]["uid"], uid.as_str(), "{t}");
        }
    }
    // The same config renders the same uid in another folder.
    let (_t2, dir2) = with_monitoring("gateway");
    let again = fs::read_to_string(dir2.join("deploy/grafana/dashboards/mcp-stack.json")).unwrap();
    assert_eq!(text, again);
}

#[test]
fn adding_a_server_adds_its_probe_panels_and_alert() {
    let (_t, dir) = with_monitoring("spike");
    let cfg = dir.join("mcp-stack.yaml");
    let yaml = fs::read_to_string(&cfg).unwrap();
    let extra = "  extra:\n    image: example/extra:1\n    runtime: python\n";
    fs::write(
        &cfg,
        yaml.replace("servers:\n", &format!("servers:\n{extra}")),
    )
    .unwrap();
    let o = run(&["render"], &dir);
    assert!(o.status.success(), "{:?}", text(&o));
    let deploy = dir.join("deploy");
    let prom = fs::read_to_string(deploy.join("prometheus/prometheus.yml")).unwrap();
    assert!(
        prom.contains("job_name: mcp-direct-extra") && prom.contains("job_name: mcp-direct-main")
    );
    assert!(prom.contains("http://gateway:8081/extra/"));
    let alerts = fs::read_to_string(deploy.join("prometheus/alerts.yml")).unwrap();
    assert!(alerts.contains(r#"server="extra""#), "{alerts}");
    let dash = fs::read_to_string(deploy.join("grafana/dashboards/mcp-stack.json")).unwrap();
    assert!(dash.contains("Server extra (/extra/)") && dash.contains("Server main (/main/)"));
}

#[test]
fn grafana_and_prometheus_are_local_only_and_the_password_comes_from_the_environment() {
    let (_t, dir) = with_monitoring("todo");
    let compose = fs::read_to_string(dir.join("deploy/compose.yaml")).unwrap();
    let c: serde_yaml::Value = serde_yaml::from_str(&compose).unwrap();
    let s = &c["services"];
    assert_eq!(s["prometheus"]["ports"][0], "127.0.0.1:9090:9090");
    assert_eq!(s["grafana"]["ports"][0], "127.0.0.1:3000:3000");
    assert_eq!(
        s["grafana"]["environment"]["GF_AUTH_ANONYMOUS_ENABLED"],
        "false"
    );
    let pw = s["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"]
        .as_str()
        .unwrap();
    assert!(pw.starts_with("${GRAFANA_ADMIN_PASSWORD:?"), "{pw}");
    for svc in [
        "prometheus",
        "grafana",
        "blackbox-exporter",
        "nginx-exporter",
        "cadvisor",
    ] {
        assert_eq!(s[svc]["profiles"][0], "monitoring", "{svc}");
    }
    let retention = s["prometheus"]["command"].as_sequence().unwrap();
    assert!(retention
        .iter()
        .any(|a| a == "--storage.tsdb.retention.time=15d"));
    let example = fs::read_to_string(dir.join("deploy/.env.example")).unwrap();
    assert!(example.contains("GRAFANA_ADMIN_PASSWORD=\n"), "{example}");
}
