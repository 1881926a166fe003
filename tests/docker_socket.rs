//! `docker_socket: true` as rendered: the socket read-only at its own path and the socket's
//! group from `.env`, in both profiles, beside the server's own hardening; nothing for others.

use mcpstack::pipeline::Project;

fn compose(yaml: &str) -> (serde_yaml::Value, String) {
    let tmp = tempfile::tempdir().unwrap();
    let main = tmp.path().join("servers/main");
    std::fs::create_dir_all(&main).unwrap();
    std::fs::write(main.join("pyproject.toml"), "[project]\nname = \"main\"\n").unwrap();
    std::fs::write(main.join("uv.lock"), "version = 1\n").unwrap();
    let config = tmp.path().join("mcp-stack.yaml");
    std::fs::write(&config, yaml).unwrap();
    let files = Project::load(&config).unwrap().render().unwrap();
    let get = |path: &str| {
        files
            .iter()
            .find(|f| f.path == path)
            .unwrap()
            .contents
            .clone()
    };
    (
        serde_yaml::from_str(&get("compose.yaml")).unwrap(),
        get(".env.example"),
    )
}

const STACK: &str = "version: 1\nname: demo\nservers:\n  main:\n    build: ./servers/main\n    command: [python, -m, main]\n    docker_socket: true\n    user: \"10002:10002\"\n    cap_add: [NET_BIND_SERVICE]\n  other:\n    image: example/other:1\n    health: none\n";

#[test]
fn the_socket_and_its_group_reach_both_profiles_and_the_hardening_stays() {
    let (c, env) = compose(STACK);
    let group = "${DOCKER_SOCKET_GID:?DOCKER_SOCKET_GID is not set: copy .env.example to .env and fill it in}";
    for name in ["main", "main-dev"] {
        let s = &c["services"][name];
        let volumes: Vec<&str> = s["volumes"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(
            volumes,
            ["/var/run/docker.sock:/var/run/docker.sock:ro"],
            "{name}"
        );
        assert_eq!(s["group_add"][0].as_str(), Some(group), "{name}");
        assert_eq!(s["user"].as_str(), Some("10002:10002"), "{name}");
        assert_eq!(s["cap_add"][0].as_str(), Some("NET_BIND_SERVICE"), "{name}");
        assert!(s.get("privileged").is_none(), "{name}");
    }
    let main = &c["services"]["main"];
    assert_eq!(main["read_only"].as_bool(), Some(true));
    assert_eq!(main["cap_drop"][0].as_str(), Some("ALL"));
    assert_eq!(
        main["security_opt"][0].as_str(),
        Some("no-new-privileges:true")
    );
    for name in ["other", "other-dev", "gateway", "gateway-dev"] {
        let s = &c["services"][name];
        assert!(s.get("group_add").is_none(), "{name}");
        let text = serde_yaml::to_string(s).unwrap();
        assert!(!text.contains("docker.sock"), "{name}: {text}");
    }
    assert!(env.contains("\nDOCKER_SOCKET_GID=\n"), "{env}");
    assert!(env.contains("read by: main)"), "{env}");
}

#[test]
fn without_the_key_nothing_of_it_is_rendered() {
    let (c, env) = compose(&STACK.replace("    docker_socket: true\n", ""));
    let text = serde_yaml::to_string(&c).unwrap();
    assert!(
        !text.contains("docker.sock") && !text.contains("group_add"),
        "{text}"
    );
    assert!(!env.contains("DOCKER_SOCKET_GID"), "{env}");
}
