//! The Kubernetes base with the real tools: for every example (and the test fixtures that
//! cover ACME and autoscaling), `kubectl kustomize` builds it and `kubernetes-validate
//! --strict` accepts every object for Kubernetes 1.33. No cluster runs here. Built only with
//! `--features real-tools`; a missing tool fails the test, it never skips.
#![cfg(feature = "real-tools")]

mod common;
use common::*;
use std::path::{Path, PathBuf};

const EXAMPLES: [&str; 4] = ["spike", "todo", "gateway", "docker-mcp-gateway"];
/// The Kubernetes version the objects are validated for (k8s-openapi's `v1_33`).
const KUBERNETES: &str = "1.33.0";

/// A config beside the examples that uses what they do not: ACME, autoscaling, a volume.
const EXTRA: &str = r#"version: 1
name: extra
domain: mcp.example.com
gateway:
  tls: { mode: acme, email: ops@example.com }
servers:
  web:
    image: example/web:1
    runtime: node
    stateless: true
    resources: { cpus: "0.5", memory: 256M }
    autoscale: { min: 2, max: 5, cpu_percent: 70 }
    secrets: [API_KEY]
  sticky:
    image: example/sticky:1
    runtime: python
    replicas: 3
    depends_on: [cache]
services:
  cache:
    image: example/cache:1
    port: 6379
    volumes: ["cache-data:/data"]
    healthcheck: [CMD, redis-cli, ping]
monitoring:
  enabled: true
"#;

/// Renders the Kubernetes base of a project; returns the `k8s/` folder.
fn render(dir: &Path) -> PathBuf {
    let o = run(&["render", "--target", "kubernetes"], dir);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    dir.join("deploy/k8s")
}

/// `kubectl kustomize` of the base, into one file.
fn build(k8s: &Path, out: &Path) {
    let o = tool("kubectl", &["kustomize", "."], k8s);
    assert!(o.status.success(), "kubectl kustomize: {:?}", text(&o));
    assert!(!o.stdout.is_empty());
    std::fs::write(out, &o.stdout).unwrap();
}

/// `kubernetes-validate --strict` over every object; returns its warnings.
fn validate(file: &Path) -> Vec<String> {
    let o = tool(
        "kubernetes-validate",
        &["--strict", "-k", KUBERNETES, file.to_str().unwrap()],
        file.parent().unwrap(),
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "kubernetes-validate:\n{out}\n{err}");
    let all = format!("{out}{err}");
    assert!(!all.contains("ERROR"), "{all}");
    let passed = all
        .lines()
        .filter(|l| l.contains(" passed for resource "))
        .count();
    let objects = std::fs::read_to_string(file)
        .unwrap()
        .split("\n---\n")
        .filter(|d| d.contains("kind:"))
        .count();
    let warned: Vec<String> = all
        .lines()
        .filter(|l| l.starts_with("WARN"))
        .map(String::from)
        .collect();
    assert_eq!(
        passed + warned.len(),
        objects,
        "every object is validated:\n{all}"
    );
    warned
}

#[test]
fn every_example_builds_with_kustomize_and_validates_strictly_for_kubernetes_1_33() {
    for name in EXAMPLES {
        let (tmp, dir) = example_copy(name);
        let k8s = render(&dir);
        let built = tmp.path().join("built.yaml");
        build(&k8s, &built);
        let warnings = validate(&built);
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
        // The generated ConfigMap is the rendered nginx.conf, byte for byte.
        let all = std::fs::read_to_string(&built).unwrap();
        let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&all)
            .map(|d| serde::Deserialize::deserialize(d).unwrap())
            .collect();
        let config = docs
            .iter()
            .find(|d| {
                d["kind"] == "ConfigMap"
                    && d["metadata"]["name"]
                        .as_str()
                        .unwrap()
                        .starts_with("gateway-config-")
            })
            .expect("the gateway's ConfigMap, with its content hash");
        assert_eq!(
            config["data"]["nginx.conf"].as_str().unwrap(),
            std::fs::read_to_string(k8s.join("gateway/nginx.conf")).unwrap()
        );
        // kustomize points the gateway at the hashed name.
        assert!(all.contains(&format!(
            "name: {}",
            config["metadata"]["name"].as_str().unwrap()
        )));
        // Everything lands in the project's namespace.
        let config: serde_yaml::Value =
            serde_yaml::from_str(&std::fs::read_to_string(dir.join("mcp-stack.yaml")).unwrap())
                .unwrap();
        for d in &docs {
            if d["kind"] != "Namespace" {
                assert_eq!(
                    d["metadata"]["namespace"], config["name"],
                    "{:?}",
                    d["metadata"]
                );
            }
        }
    }
}

#[test]
fn acme_autoscaling_volumes_and_monitoring_validate_too() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("mcp-stack.yaml"), EXTRA).unwrap();
    let k8s = render(tmp.path());
    let built = tmp.path().join("built.yaml");
    build(&k8s, &built);
    let warnings = validate(&built);
    // cert-manager's Certificate is a custom resource: no schema in Kubernetes itself.
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains(
            "Couldn't find schema for kind Certificate with api version cert-manager.io/v1"
        ),
        "{warnings:?}"
    );
    let all = std::fs::read_to_string(&built).unwrap();
    for kind in [
        "HorizontalPodAutoscaler",
        "StatefulSet",
        "PersistentVolumeClaim",
        "PodDisruptionBudget",
        "RoleBinding",
    ] {
        assert!(all.contains(&format!("kind: {kind}\n")), "{kind}");
    }
}

/// The checkov findings this base keeps, each for a stated reason (README, "What was
/// validated"): anything else checkov finds fails the test.
const JUSTIFIED: [(&str, &str); 11] = [
    (
        "CKV_K8S_10",
        "CPU requests only where `resources` sets them",
    ),
    ("CKV_K8S_11", "CPU limits only where `resources` sets them"),
    (
        "CKV_K8S_12",
        "memory requests only where `resources` sets them",
    ),
    (
        "CKV_K8S_13",
        "memory limits only where `resources` sets them",
    ),
    (
        "CKV_K8S_14",
        "built images are tagged `latest` until a registry gives them tags",
    ),
    (
        "CKV_K8S_15",
        "IfNotPresent: images are pinned by tag in `images:`/`image:`",
    ),
    (
        "CKV_K8S_22",
        "a root file system is writable where `read_only: false` says so",
    ),
    (
        "CKV_K8S_35",
        "`secrets` are environment variables by the config's contract",
    ),
    ("CKV_K8S_38", "Prometheus needs its token for pod discovery"),
    (
        "CKV_K8S_40",
        "images' own users (nginx 101, grafana 472) and `user:` as given",
    ),
    (
        "CKV_K8S_43",
        "images by tag, as the config names them (a digest in `image:` works)",
    ),
];

fn checkov(file: &Path) -> Vec<(String, String)> {
    let o = tool(
        "checkov",
        &[
            "--framework",
            "kubernetes",
            "--quiet",
            "--compact",
            "--output",
            "json",
            "--file",
            file.to_str().unwrap(),
        ],
        file.parent().unwrap(),
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("checkov's report: {e}: {:?}", text(&o)));
    let report = if report.is_array() {
        &report[0]
    } else {
        &report
    };
    assert_eq!(
        report["summary"]["parsing_errors"], 0,
        "{}",
        report["summary"]
    );
    assert!(report["summary"]["passed"].as_u64().unwrap() > 0);
    report["results"]["failed_checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check_id"].as_str().unwrap().to_string(),
                f["resource"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn checkov_finds_nothing_beyond_the_justified_findings() {
    // Each case with the findings only it may add: the Docker MCP Gateway mounts the Docker
    // socket on purpose (`docker_socket: true`) and has `health: none` (no probes).
    let mut cases: Vec<(tempfile::TempDir, PathBuf, &[&str])> = vec![
        {
            let (t, d) = example_copy("todo");
            (t, d, &[][..])
        },
        {
            let (t, d) = example_copy("gateway");
            (t, d, &[][..])
        },
        {
            let (t, d) = example_copy("docker-mcp-gateway");
            (t, d, &["CKV_K8S_27", "CKV_K8S_8", "CKV_K8S_9"][..])
        },
    ];
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("mcp-stack.yaml"), EXTRA).unwrap();
    let dir = tmp.path().to_path_buf();
    cases.push((tmp, dir, &[]));
    for (tmp, dir, extra) in &cases {
        let k8s = render(dir);
        let built = tmp.path().join("built.yaml");
        build(&k8s, &built);
        let failed = checkov(&built);
        let unjustified: Vec<_> = failed
            .iter()
            .filter(|(id, _)| {
                !JUSTIFIED.iter().any(|(j, _)| j == id) && !extra.contains(&id.as_str())
            })
            .collect();
        assert!(unjustified.is_empty(), "{}: {unjustified:?}", dir.display());
        // Where the config sets resources, the resource checks pass.
        assert!(
            !failed.iter().any(|(id, r)| r.ends_with(".web")
                && ["CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13"].contains(&id.as_str())),
            "{failed:?}"
        );
        // Every workload with a health check has its probes.
        if extra.is_empty() {
            assert!(
                !failed
                    .iter()
                    .any(|(id, _)| id == "CKV_K8S_8" || id == "CKV_K8S_9"),
                "{failed:?}"
            );
        }
    }
}
