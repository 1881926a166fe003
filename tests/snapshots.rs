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
