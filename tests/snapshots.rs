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
