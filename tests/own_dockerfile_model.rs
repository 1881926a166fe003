//! The resolved model of a stdio server built from its own Dockerfile: the bridge is layered on
//! the image that Dockerfile builds, in the runtime its final FROM names, around its command.

use mcpstack::model::{ImageSource, Runtime};
use mcpstack::pipeline::Project;
use std::fs;

fn resolve(dockerfile: &str, transport: &str, extra: &str) -> Project {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("own")).unwrap();
    fs::write(tmp.path().join("own/Dockerfile"), dockerfile).unwrap();
    let config = tmp.path().join("mcp-stack.yaml");
    fs::write(
        &config,
        format!("version: 1\nname: demo\nservers:\n  own:\n    build: ./own\n    transport: {transport}\n{extra}"),
    )
    .unwrap();
    Project::load(&config).expect("valid")
}

#[test]
fn the_bridge_wraps_the_dockerfiles_image_and_command() {
    let p = resolve(
        "FROM node:20-slim AS base\nFROM base\nENTRYPOINT [\"node\", \"index.js\"]\nCMD [\"--stdio\"]\n",
        "stdio",
        "",
    );
    let own = &p.stack.components[0];
    match &own.image {
        ImageSource::Bridged {
            base,
            runtime,
            own: folder,
            ..
        } => {
            assert_eq!(base, "demo-own-base:local");
            assert_eq!(*runtime, Runtime::Node);
            assert_eq!(folder.as_deref(), Some("own"));
        }
        other => panic!("{other:?}"),
    }
    let bridge = own.bridge.as_ref().unwrap();
    assert_eq!(bridge.runtime, Runtime::Node);
    assert_eq!(bridge.child, ["node", "index.js", "--stdio"]);
    assert_eq!(own.built_tag.as_deref(), Some("demo-own:latest"));
    assert!(own.health_in_image);
}

#[test]
fn command_wins_over_the_dockerfiles() {
    let p = resolve(
        "FROM python:3.12-slim\nCMD [\"python\", \"a.py\"]\n",
        "stdio",
        "    command: [python, b.py]\n",
    );
    let own = &p.stack.components[0];
    assert!(matches!(
        own.image,
        ImageSource::Bridged {
            runtime: Runtime::Python,
            ..
        }
    ));
    assert_eq!(own.bridge.as_ref().unwrap().child, ["python", "b.py"]);
}

#[test]
fn an_http_server_with_its_own_dockerfile_is_not_bridged() {
    let p = resolve(
        "FROM python:3.12-slim\nCMD [\"python\", \"a.py\"]\n",
        "streamable-http",
        "",
    );
    let own = &p.stack.components[0];
    assert!(matches!(own.image, ImageSource::OwnDockerfile { .. }));
    assert!(own.bridge.is_none());
}
