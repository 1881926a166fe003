//! The whole render of each example, as one reviewed snapshot per example.

use mcpstack::pipeline::Project;

fn render_all(name: &str) -> String {
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .join("mcp-stack.yaml");
    let project = Project::load(&config).expect("example loads");
    assert!(project.warnings.is_empty(), "{:?}", project.warning_text());
    let files = project.render().expect("example renders");
    files
        .iter()
        .map(|f| format!("===== {} =====\n{}", f.path, f.contents))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn spike() {
    insta::assert_snapshot!("spike", render_all("spike"));
}

#[test]
fn todo() {
    insta::assert_snapshot!("todo", render_all("todo"));
}

#[test]
fn gateway() {
    insta::assert_snapshot!("gateway", render_all("gateway"));
}

/// The Docker MCP Gateway (its image cannot be pulled here, so its render is what is tested):
/// its one warning is the socket's, and in production nothing but the tunnel reaches it.
#[test]
fn docker_mcp_gateway() {
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/docker-mcp-gateway/mcp-stack.yaml");
    let project = Project::load(&config).expect("example loads");
    let paths: Vec<String> = project
        .warnings
        .iter()
        .map(|w| w.path.to_string())
        .collect();
    assert_eq!(paths, ["servers.docker.docker_socket"]);
    let files = project.render().expect("example renders");
    let compose = &files
        .iter()
        .find(|f| f.path == "compose.yaml")
        .unwrap()
        .contents;
    let compose: serde_yaml::Value = serde_yaml::from_str(compose).unwrap();
    for (name, service) in compose["services"].as_mapping().unwrap() {
        let production = service["profiles"][0] == "production";
        let ports = service.get("ports").and_then(|p| p.as_sequence());
        assert!(
            !production || ports.is_none(),
            "{name:?} publishes {ports:?} in production"
        );
    }
    assert!(compose["services"]["cloudflared"].is_mapping());
    insta::assert_snapshot!(
        "docker_mcp_gateway",
        files
            .iter()
            .map(|f| format!("===== {} =====\n{}", f.path, f.contents))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A stdio server with its own Dockerfile (the project fixture): the base service, the bridge
/// layered FROM its image, the Dockerfile's CMD as the bridge's child.
#[test]
fn own_dockerfile_stdio() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/projects/own-dockerfile-stdio");
    let server = tmp.path().join("server");
    std::fs::create_dir(&server).unwrap();
    for f in ["Dockerfile", "server.py"] {
        std::fs::copy(fixture.join(f), server.join(f)).unwrap();
    }
    let config = tmp.path().join("mcp-stack.yaml");
    std::fs::write(
        &config,
        "version: 1\nname: own\nservers:\n  tools:\n    build: ./server\n    transport: stdio\n",
    )
    .unwrap();
    let project = Project::load(&config).expect("config loads");
    assert!(project.warnings.is_empty(), "{:?}", project.warning_text());
    let files = project.render().expect("renders");
    let shown: Vec<String> = files
        .iter()
        .filter(|f| f.path == "compose.yaml" || f.path == "build/tools/Dockerfile")
        .map(|f| format!("===== {} =====\n{}", f.path, f.contents))
        .collect();
    assert_eq!(shown.len(), 2);
    insta::assert_snapshot!("own_dockerfile_stdio", shown.join("\n"));
}

/// Servers from published packages: PyPI (uv) and npm images, bridged, one with a secret.
#[test]
fn packages() {
    insta::assert_snapshot!("packages", render_all("packages"));
}

/// The Kubernetes base of the `gateway` example (`render --target kubernetes`).
#[test]
fn gateway_kubernetes() {
    let config =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/gateway/mcp-stack.yaml");
    let project = Project::load(&config).expect("example loads");
    let files = project
        .render_target(mcpstack::render::Target::Kubernetes)
        .expect("example renders");
    let all = files
        .iter()
        .map(|f| format!("===== {} =====\n{}", f.path, f.contents))
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("gateway_kubernetes", all);
}
