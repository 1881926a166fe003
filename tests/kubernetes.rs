//! `render --target kubernetes`: the rules of the kustomize base, read back from the rendered
//! objects (hermetic: no kubectl, no cluster).

mod common;
use common::*;
use mcpstack::pipeline::Project;
use mcpstack::render::{File, Target};
use serde_yaml::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// The Kubernetes render of a config file.
fn render(config: &Path) -> Vec<File> {
    let project = Project::load(config).expect("config loads");
    project
        .render_target(Target::Kubernetes)
        .expect("renders for Kubernetes")
}

fn example(name: &str) -> Vec<File> {
    render(&examples().join(name).join("mcp-stack.yaml"))
}

/// A project made of `yaml` alone (prebuilt images, no folders needed).
fn config(yaml: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("mcp-stack.yaml");
    fs::write(&path, yaml).unwrap();
    (tmp, path)
}

/// Every object of every YAML file of the base (not the kustomization or the configs).
fn objects(files: &[File]) -> Vec<Value> {
    files
        .iter()
        .filter(|f| f.path.ends_with(".yaml") && !f.path.ends_with("kustomization.yaml"))
        .flat_map(|f| {
            serde_yaml::Deserializer::from_str(&f.contents)
                .map(|d| Value::deserialize(d).unwrap())
                .filter(|v| !v.is_null())
                .collect::<Vec<_>>()
        })
        .collect()
}
use serde::Deserialize;

fn of_kind<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

fn name(o: &Value) -> &str {
    o["metadata"]["name"].as_str().unwrap()
}

fn names(objects: &[Value], kind: &str) -> BTreeSet<String> {
    of_kind(objects, kind)
        .into_iter()
        .map(|o| name(o).to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

const SCALING: &str = r#"version: 1
name: scaling
servers:
  single:
    image: example/single:1
    runtime: python
  sticky:
    image: example/sticky:1
    runtime: python
    replicas: 2
  spread:
    image: example/spread:1
    runtime: node
    replicas: 3
    stateless: true
  auto:
    image: example/auto:1
    runtime: node
    stateless: true
    replicas: 4
    resources: { cpus: "0.5", memory: 256M }
    autoscale: { min: 2, max: 6, cpu_percent: 75 }
  lone:
    image: example/lone:1
    runtime: node
    stateless: true
    resources: { cpus: "1" }
    autoscale: { min: 1, max: 3, cpu_percent: 50 }
"#;

#[test]
fn everything_lives_in_k8s_with_a_sorted_kustomization_listing_every_object_file() {
    let files = example("gateway");
    assert!(files.iter().all(|f| f.path.starts_with("k8s/")));
    let k = files
        .iter()
        .find(|f| f.path == "k8s/kustomization.yaml")
        .expect("kustomization at the base's root");
    let k: Value = serde_yaml::from_str(&k.contents).unwrap();
    assert_eq!(k["kind"], "Kustomization");
    assert_eq!(k["namespace"], "gateway");
    let listed: Vec<String> = k["resources"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|r| format!("k8s/{}", r.as_str().unwrap()))
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted);
    let object_files: Vec<String> = files
        .iter()
        .filter(|f| f.path.ends_with(".yaml") && f.path != "k8s/kustomization.yaml")
        .map(|f| f.path.clone())
        .collect();
    assert_eq!(listed, object_files);
    // The gateway's files reach it through a generated ConfigMap.
    let generated: Vec<&str> = k["configMapGenerator"][0]["files"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(generated, ["gateway/entrypoint.sh", "gateway/nginx.conf"]);
    for f in generated {
        assert!(files.iter().any(|x| x.path == format!("k8s/{f}")), "{f}");
    }
}

#[test]
fn the_gateway_config_names_kubernetes_services_and_asks_the_cluster_dns() {
    let files = example("gateway");
    let conf = &files
        .iter()
        .find(|f| f.path == "k8s/gateway/nginx.conf")
        .unwrap()
        .contents;
    assert!(conf.contains("resolver kube-dns.kube-system.svc.cluster.local "));
    assert!(!conf.contains("127.0.0.11"));
    // Stateful replicas pod by pod (the session tags name them), others through their Service.
    for pod in 0..3 {
        assert!(conf.contains(&format!(
            "server stream-{pod}.stream-headless.gateway.svc.cluster.local:8000"
        )));
    }
    assert!(conf.contains("server pool.gateway.svc.cluster.local:8000"));
    assert!(conf.contains("server legacy.gateway.svc.cluster.local:8000"));
}

#[test]
fn stateful_replicas_are_a_statefulset_with_a_headless_service_and_the_rest_deployments() {
    let (_tmp, path) = config(SCALING);
    let objects = objects(&render(&path));
    assert_eq!(names(&objects, "StatefulSet"), set(&["sticky"]));
    assert_eq!(
        names(&objects, "Deployment"),
        set(&["auto", "gateway", "lone", "single", "spread"])
    );
    let sts = of_kind(&objects, "StatefulSet")[0];
    assert_eq!(sts["spec"]["serviceName"], "sticky-headless");
    let headless = objects
        .iter()
        .find(|o| o["kind"] == "Service" && name(o) == "sticky-headless")
        .expect("headless service");
    assert_eq!(headless["spec"]["clusterIP"], "None");
}

#[test]
fn a_pod_disruption_budget_exactly_for_workloads_of_more_than_one_replica() {
    let (_tmp, path) = config(SCALING);
    let objects = objects(&render(&path));
    // sticky 2, spread 3, auto at least 2; single 1, lone at least 1, gateway 1.
    assert_eq!(
        names(&objects, "PodDisruptionBudget"),
        set(&["auto", "spread", "sticky"])
    );
    let objects = self::objects(&example("gateway"));
    assert_eq!(
        names(&objects, "PodDisruptionBudget"),
        set(&["pool", "stream"])
    );
    assert!(names(&self::objects(&example("spike")), "PodDisruptionBudget").is_empty());
}

#[test]
fn an_autoscaler_only_where_autoscale_is_set_and_replicas_left_to_it() {
    let (_tmp, path) = config(SCALING);
    let objects = objects(&render(&path));
    assert_eq!(
        names(&objects, "HorizontalPodAutoscaler"),
        set(&["auto", "lone"])
    );
    for hpa in of_kind(&objects, "HorizontalPodAutoscaler") {
        assert_eq!(hpa["spec"]["scaleTargetRef"]["kind"], "Deployment");
        assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], name(hpa));
    }
    let auto = objects
        .iter()
        .find(|o| o["kind"] == "HorizontalPodAutoscaler" && name(o) == "auto")
        .unwrap();
    assert_eq!(auto["spec"]["minReplicas"], 2);
    assert_eq!(auto["spec"]["maxReplicas"], 6);
    assert_eq!(
        auto["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
        75
    );
    for d in of_kind(&objects, "Deployment") {
        let autoscaled = ["auto", "lone"].contains(&name(d));
        assert_eq!(
            d["spec"].get("replicas").is_none(),
            autoscaled,
            "{}",
            name(d)
        );
    }
    // The autoscaler's percentage is of the CPU request: half the limit, as in Compose.
    let auto = objects
        .iter()
        .find(|o| o["kind"] == "Deployment" && name(o) == "auto")
        .unwrap();
    let resources = &auto["spec"]["template"]["spec"]["containers"][0]["resources"];
    assert_eq!(resources["limits"]["cpu"], "500m");
    assert_eq!(resources["requests"]["cpu"], "250m");
    assert_eq!(resources["limits"]["memory"], "256Mi");
    assert_eq!(resources["requests"]["memory"], "128Mi");
    assert!(names(
        &self::objects(&example("gateway")),
        "HorizontalPodAutoscaler"
    )
    .is_empty());
}

/// Every (from, to, port) a NetworkPolicy allows, as ingress of `to` and as egress of `from`
/// (`*`: anywhere).
fn allowed(objects: &[Value]) -> (Paths, Paths) {
    let app = |sel: &Value| {
        sel["matchLabels"]["app.kubernetes.io/name"]
            .as_str()
            .map(String::from)
    };
    let mut ingress = BTreeSet::new();
    let mut egress = BTreeSet::new();
    for p in of_kind(objects, "NetworkPolicy") {
        let spec = &p["spec"];
        let Some(me) = app(&spec["podSelector"]) else {
            continue;
        };
        for rule in spec["ingress"].as_sequence().into_iter().flatten() {
            let port = rule["ports"][0]["port"].as_u64().unwrap();
            match rule["from"].as_sequence() {
                None => {
                    ingress.insert(("*".to_string(), me.clone(), port));
                }
                Some(peers) => {
                    for peer in peers {
                        ingress.insert((app(&peer["podSelector"]).unwrap(), me.clone(), port));
                    }
                }
            }
        }
        for rule in spec["egress"].as_sequence().into_iter().flatten() {
            for port in rule["ports"].as_sequence().unwrap() {
                let port = port["port"].as_u64().unwrap();
                match rule["to"].as_sequence() {
                    None => {
                        egress.insert((me.clone(), "*".to_string(), port));
                    }
                    Some(peers) => {
                        for peer in peers {
                            egress.insert((me.clone(), app(&peer["podSelector"]).unwrap(), port));
                        }
                    }
                }
            }
        }
    }
    (ingress, egress)
}

/// (from, to, port) sets; `*` for anywhere.
type Paths = BTreeSet<(String, String, u64)>;

fn paths(items: &[(&str, &str, u64)]) -> Paths {
    items
        .iter()
        .map(|(a, b, p)| (a.to_string(), b.to_string(), *p))
        .collect()
}

#[test]
fn network_policies_deny_everything_then_allow_exactly_the_declared_paths() {
    let objects = objects(&example("todo"));
    let deny = objects
        .iter()
        .find(|o| o["kind"] == "NetworkPolicy" && name(o) == "default-deny")
        .expect("default deny");
    assert_eq!(
        deny["spec"]["podSelector"],
        Value::Mapping(Default::default())
    );
    assert_eq!(
        deny["spec"]["policyTypes"],
        serde_yaml::from_str::<Value>("[Ingress, Egress]").unwrap()
    );
    assert!(deny["spec"].get("ingress").is_none() && deny["spec"].get("egress").is_none());
    let (ingress, egress) = allowed(&objects);
    // todo: the gateway routes `todo`; todo depends on backend, backend on postgres (which
    // listens on no declared port); monitoring probes and scrapes.
    let inside = paths(&[
        ("gateway", "todo", 8000),
        ("todo", "backend", 8000),
        ("prometheus", "blackbox-exporter", 9115),
        ("prometheus", "nginx-exporter", 9113),
        ("grafana", "prometheus", 9090),
        ("nginx-exporter", "gateway", 8081),
        ("blackbox-exporter", "gateway", 8081),
        ("blackbox-exporter", "gateway", 8443),
        ("blackbox-exporter", "todo", 8000),
    ]);
    let mut expected_ingress = inside.clone();
    expected_ingress.extend(paths(&[("*", "gateway", 8080), ("*", "gateway", 8443)]));
    assert_eq!(ingress, expected_ingress);
    let mut expected_egress = inside;
    // Prometheus discovers pods through the Kubernetes API.
    expected_egress.extend(paths(&[
        ("prometheus", "*", 443),
        ("prometheus", "*", 6443),
    ]));
    assert_eq!(egress, expected_egress);

    // Without monitoring or dependencies: only the gateway's routes.
    let (ingress, egress) = allowed(&self::objects(&example("gateway")));
    let routes = paths(&[
        ("gateway", "legacy", 8000),
        ("gateway", "local", 8000),
        ("gateway", "pool", 8000),
        ("gateway", "stream", 8000),
    ]);
    let mut expected = routes.clone();
    expected.extend(paths(&[("*", "gateway", 8080), ("*", "gateway", 8443)]));
    assert_eq!(ingress, expected);
    assert_eq!(egress, routes);
}

#[test]
fn no_secret_value_reaches_a_file_and_secrets_are_referenced_by_key() {
    let (tmp, dir) = example_copy("todo");
    let deploy = dir.join("deploy");
    fs::create_dir_all(&deploy).unwrap();
    let values = [
        "s3cr3t-service-token-value",
        "pg-pa55word-value",
        "grafana-pa55",
    ];
    fs::write(
        deploy.join(".env"),
        format!(
            "SERVICE_AUTH_TOKEN={}\nPOSTGRES_PASSWORD={}\nGRAFANA_ADMIN_PASSWORD={}\n",
            values[0], values[1], values[2]
        ),
    )
    .unwrap();
    let o = run(&["render", "--target", "kubernetes"], &dir);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    // postgres declares no port: the render says what that means in a cluster.
    assert!(
        text(&o).1.contains("warning: services.postgres has no `port`: in Kubernetes it gets no Service, and `backend` (depends_on) cannot reach it"),
        "{:?}",
        text(&o)
    );
    let written = read_tree(&deploy.join("k8s"));
    assert!(!written.is_empty());
    for (path, bytes) in &written {
        let body = String::from_utf8_lossy(bytes);
        for v in values {
            assert!(!body.contains(v), "{path} holds a secret value");
        }
        assert!(!body.contains("kind: Secret\n"), "{path} defines a Secret");
    }
    // Each secret is an env var read from the team's Secret by key.
    let objects = objects(&render(&dir.join("mcp-stack.yaml")));
    let backend = objects
        .iter()
        .find(|o| o["kind"] == "Deployment" && name(o) == "backend")
        .unwrap();
    let env = backend["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_sequence()
        .unwrap();
    let refs: Vec<(&str, &str, &str)> = env
        .iter()
        .map(|e| {
            let r = &e["valueFrom"]["secretKeyRef"];
            (
                e["name"].as_str().unwrap(),
                r["name"].as_str().unwrap(),
                r["key"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        refs,
        [
            ("POSTGRES_PASSWORD", "todo-secrets", "POSTGRES_PASSWORD"),
            ("SERVICE_AUTH_TOKEN", "todo-secrets", "SERVICE_AUTH_TOKEN"),
        ]
    );
    drop(tmp);
}

#[test]
fn every_container_runs_hardened_with_probes_where_health_is_set() {
    for example in ["gateway", "todo", "spike"] {
        let objects = objects(&self::example(example));
        for w in objects
            .iter()
            .filter(|o| o["kind"] == "Deployment" || o["kind"] == "StatefulSet")
        {
            let pod = &w["spec"]["template"]["spec"];
            assert_eq!(
                pod["automountServiceAccountToken"].as_bool(),
                Some(name(w) == "prometheus")
            );
            assert_eq!(
                pod["securityContext"]["seccompProfile"]["type"],
                "RuntimeDefault"
            );
            for c in pod["containers"].as_sequence().unwrap() {
                let sc = &c["securityContext"];
                let what = format!("{example}/{}", name(w));
                assert_eq!(sc["allowPrivilegeEscalation"], false, "{what}");
                assert_eq!(sc["privileged"], false, "{what}");
                assert_eq!(sc["runAsNonRoot"], true, "{what}");
                assert_eq!(sc["capabilities"]["drop"][0], "ALL", "{what}");
                assert_eq!(sc["seccompProfile"]["type"], "RuntimeDefault", "{what}");
                if example != "todo" || !["postgres", "backend"].contains(&name(w)) {
                    assert_eq!(sc["readOnlyRootFilesystem"], true, "{what}");
                }
            }
        }
    }
    // `health: mcp`: readiness and liveness run the image's MCP handshake (httpGet cannot
    // POST); the service's own healthcheck runs as it is.
    let objects = objects(&example("todo"));
    let container = |n: &str| {
        objects
            .iter()
            .find(|o| o["kind"] == "Deployment" && name(o) == n)
            .unwrap()["spec"]["template"]["spec"]["containers"][0]
            .clone()
    };
    let todo = container("todo");
    let cmd = todo["readinessProbe"]["exec"]["command"]
        .as_sequence()
        .unwrap();
    assert_eq!(cmd[0], "python");
    assert_eq!(cmd[1], "-c");
    assert!(cmd[2].as_str().unwrap().contains("server/discover"));
    assert!(cmd[2].as_str().unwrap().contains("initialize"));
    assert_eq!(
        todo["livenessProbe"]["exec"],
        todo["readinessProbe"]["exec"]
    );
    let postgres = container("postgres");
    assert_eq!(
        postgres["readinessProbe"]["exec"]["command"],
        serde_yaml::from_str::<Value>("[pg_isready, -U, app]").unwrap()
    );
    // Plain values come from the component's ConfigMap.
    assert_eq!(todo["envFrom"][0]["configMapRef"]["name"], "todo-env");
    let cm = objects
        .iter()
        .find(|o| o["kind"] == "ConfigMap" && name(o) == "todo-env")
        .unwrap();
    assert_eq!(cm["data"]["BACKEND_URL"], "http://backend:8000");
}

#[test]
fn every_object_carries_the_recommended_labels() {
    for example in ["gateway", "todo", "spike", "docker-mcp-gateway"] {
        for o in objects(&self::example(example)) {
            let labels = &o["metadata"]["labels"];
            for key in [
                "app.kubernetes.io/name",
                "app.kubernetes.io/part-of",
                "app.kubernetes.io/managed-by",
            ] {
                assert!(
                    labels[key].is_string(),
                    "{example}: {} {} lacks {key}",
                    o["kind"].as_str().unwrap(),
                    name(&o)
                );
            }
            assert_eq!(labels["app.kubernetes.io/managed-by"], "mcpstack");
        }
    }
}

#[test]
fn images_are_as_given_or_the_project_tag_of_built_ones() {
    let objects = objects(&example("todo"));
    let image = |n: &str| {
        objects
            .iter()
            .find(|o| o["kind"] == "Deployment" && name(o) == n)
            .unwrap()["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(image("postgres"), "postgres:16-alpine");
    assert_eq!(image("todo"), "todo-todo:latest");
    assert_eq!(image("backend"), "todo-backend:latest");
}

#[test]
fn acme_certificates_come_from_cert_manager_and_local_ones_from_a_secret() {
    let (_tmp, path) = config(
        "version: 1\nname: pub\ndomain: mcp.example.com\ngateway:\n  tls: { mode: acme, email: ops@example.com }\nservers:\n  web:\n    image: example/web:1\n    runtime: node\n",
    );
    let files = render(&path);
    let objects = objects(&files);
    let cert = of_kind(&objects, "Certificate");
    assert_eq!(cert.len(), 1);
    assert_eq!(cert[0]["apiVersion"], "cert-manager.io/v1");
    assert_eq!(cert[0]["spec"]["secretName"], "pub-tls");
    assert_eq!(
        cert[0]["spec"]["dnsNames"],
        serde_yaml::from_str::<Value>("[mcp.example.com]").unwrap()
    );
    // nginx serves the Secret cert-manager fills, with no certbot webroot.
    let conf = &files
        .iter()
        .find(|f| f.path == "k8s/gateway/nginx.conf")
        .unwrap()
        .contents;
    assert!(!conf.contains("acme-challenge"));
    assert!(conf.contains("/etc/nginx/certs/fullchain.pem"));
    let gateway = objects
        .iter()
        .find(|o| o["kind"] == "Deployment" && name(o) == "gateway")
        .unwrap();
    let volumes = gateway["spec"]["template"]["spec"]["volumes"]
        .as_sequence()
        .unwrap();
    assert!(volumes
        .iter()
        .any(|v| v["secret"]["secretName"] == "pub-tls"));
    assert!(of_kind(&self::objects(&example("spike")), "Certificate").is_empty());
}

#[test]
fn each_target_owns_its_files_and_check_looks_at_the_one_asked_for() {
    let (_tmp, dir) = example_copy("spike");
    let ok = |args: &[&str]| {
        let o = run(args, &dir);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {:?}", text(&o));
    };
    ok(&["render"]);
    ok(&["render", "--target", "kubernetes"]);
    ok(&["render", "--check"]);
    ok(&["render", "--check", "--target", "kubernetes"]);
    // A Compose render leaves the Kubernetes files (and the other way round).
    ok(&["render"]);
    let deploy = dir.join("deploy");
    assert!(deploy.join("k8s/kustomization.yaml").is_file());
    assert!(deploy.join("compose.yaml").is_file());
    ok(&["render", "--check", "--target", "kubernetes"]);
    // A hand edit in k8s/ is drift for the Kubernetes check only.
    let k = deploy.join("k8s/namespace.yaml");
    let mut text_now = fs::read_to_string(&k).unwrap();
    text_now.push_str("# edited\n");
    fs::write(&k, &text_now).unwrap();
    ok(&["render", "--check"]);
    let o = run(&["render", "--check", "--target", "kubernetes"], &dir);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("k8s/namespace.yaml"), "{:?}", text(&o));
    // and a Compose render neither refuses nor touches it.
    ok(&["render"]);
    assert_eq!(fs::read_to_string(&k).unwrap(), text_now);
    let o = run(&["render", "--target", "kubernetes"], &dir);
    assert_eq!(o.status.code(), Some(1), "a hand edit is refused");
    ok(&["render", "--target", "kubernetes", "--force"]);
    ok(&["render", "--check", "--target", "kubernetes"]);
}

#[test]
fn a_kubernetes_file_no_longer_made_is_removed_by_the_kubernetes_render_only() {
    let (_tmp, dir) = example_copy("todo");
    let ok = |args: &[&str]| {
        let o = run(args, &dir);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {:?}", text(&o));
        text(&o)
    };
    ok(&["render"]);
    ok(&["render", "--target", "kubernetes"]);
    let volumes = dir.join("deploy/k8s/volumes.yaml");
    assert!(volumes.is_file());
    let config = dir.join("mcp-stack.yaml");
    let yaml = fs::read_to_string(&config).unwrap();
    let without = yaml.replace("    volumes: [\"pgdata:/var/lib/postgresql/data\"]\n", "");
    assert_ne!(yaml, without);
    fs::write(&config, without).unwrap();
    ok(&["render"]);
    assert!(
        volumes.is_file(),
        "a Compose render removed a Kubernetes file"
    );
    let o = run(&["render", "--check", "--target", "kubernetes"], &dir);
    assert_eq!(o.status.code(), Some(1));
    let (out, err) = ok(&["render", "--target", "kubernetes"]);
    let said = format!("{out}{err}");
    assert!(
        said.contains("removed") && said.contains("k8s/volumes.yaml"),
        "{said}"
    );
    assert!(!volumes.exists());
    ok(&["render", "--check"]);
    ok(&["render", "--check", "--target", "kubernetes"]);
}

#[test]
fn the_kubernetes_render_is_deterministic() {
    let a = example("todo");
    let b = example("todo");
    assert_eq!(a, b);
}

#[test]
fn autoscale_is_refused_for_stateful_servers_with_the_reason() {
    let bad = [
        (
            "  web:\n    image: example/web:1\n    resources: { cpus: \"1\" }\n    autoscale: { min: 1, max: 3, cpu_percent: 50 }\n",
            "servers.web.autoscale",
            "autoscale needs a stateless server",
        ),
        (
            "  web:\n    image: example/web:1\n    stateless: true\n    resources: { cpus: \"1\" }\n    autoscale: { min: 4, max: 3, cpu_percent: 50 }\n",
            "servers.web.autoscale.min",
            "autoscale.min (4) is above autoscale.max (3)",
        ),
        (
            "  web:\n    image: example/web:1\n    stateless: true\n    resources: { cpus: \"1\" }\n    autoscale: { min: 1, max: 3, cpu_percent: 0 }\n",
            "servers.web.autoscale.cpu_percent",
            "autoscale.cpu_percent must be 1 to 100, not 0",
        ),
        (
            "  web:\n    image: example/web:1\n    stateless: true\n    autoscale: { min: 1, max: 3, cpu_percent: 50 }\n",
            "servers.web.autoscale",
            "autoscale needs `resources.cpus`",
        ),
        (
            "  web:\n    image: example/web:1\n    stateless: true\n    resources: { cpus: \"1\" }\n    autoscale: { min: 1, max: 300, cpu_percent: 50 }\n",
            "servers.web.autoscale.max",
            "autoscale.max must be 1 to 100, not 300",
        ),
    ];
    for (server, key, message) in bad {
        let yaml = format!("version: 1\nname: demo\nservers:\n{server}");
        let (tmp, _) = config(&yaml);
        for args in [&["validate"][..], &["render", "--target", "kubernetes"][..]] {
            let o = run(args, tmp.path());
            let (_, err) = text(&o);
            assert_eq!(o.status.code(), Some(2), "{yaml}\n{err}");
            assert!(err.contains(&format!("error: {key}: ")), "{key} in:\n{err}");
            assert!(err.contains(message), "{message} in:\n{err}");
            assert!(err.contains("mcp-stack.yaml:"), "a line in:\n{err}");
            assert!(!tmp.path().join("deploy").exists());
        }
    }
}

#[test]
fn names_that_would_clash_with_the_kubernetes_objects_are_refused() {
    let cases = [
        (
            "servers:\n  api:\n    image: example/api:1\n    runtime: node\n  api-headless:\n    image: example/other:1\n    runtime: node\n",
            "servers.api-headless",
            "clashes with the Kubernetes headless Service of server `api`",
        ),
        (
            "servers:\n  api:\n    image: example/api:1\n    runtime: node\nservices:\n  api-headless:\n    image: example/cache:1\n",
            "services.api-headless",
            "clashes with the Kubernetes headless Service of server `api`",
        ),
        (
            "servers:\n  gateway-public:\n    image: example/api:1\n    runtime: node\n",
            "servers.gateway-public",
            "is a name mcpstack uses",
        ),
    ];
    for (body, key, message) in cases {
        let yaml = format!("version: 1\nname: demo\n{body}");
        let (tmp, _) = config(&yaml);
        let o = run(&["validate"], tmp.path());
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{yaml}\n{err}");
        assert!(err.contains(&format!("error: {key}: ")), "{key} in:\n{err}");
        assert!(err.contains(message), "{message} in:\n{err}");
    }
    // A name ending in -headless with no server of the base name is fine.
    let (tmp, _) = config(
        "version: 1\nname: demo\nservers:\n  db-headless:\n    image: example/api:1\n    runtime: node\n",
    );
    assert_eq!(run(&["validate"], tmp.path()).status.code(), Some(0));
}
