//! `gateway.access_log`: buffered by default, one write per request or off on request; the
//! fields of a line are the same whenever there is a log; any other value is refused.

mod common;

use common::*;

fn nginx_conf(access_log: Option<&str>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut config = "version: 1\nname: logs\ngateway:\n  https_port: 8443\n".to_string();
    if let Some(value) = access_log {
        config.push_str(&format!("  access_log: {value}\n"));
    }
    config.push_str("servers:\n  tools: { image: example/tools:1, health: none }\n");
    std::fs::write(dir.path().join("mcp-stack.yaml"), config).unwrap();
    let o = run(&["render"], dir.path());
    assert!(o.status.success(), "{:?}", text(&o));
    std::fs::read_to_string(dir.path().join("deploy/nginx/nginx.conf")).unwrap()
}

const FIELDS: &str = "'server=$mcp_server session=\"$http_mcp_session_id\" '";

#[test]
fn the_access_log_is_buffered_unless_the_config_says_otherwise() {
    for (value, line) in [
        (None, "access_log /dev/stdout mcp buffer=64k flush=1s;"),
        (
            Some("buffered"),
            "access_log /dev/stdout mcp buffer=64k flush=1s;",
        ),
        (Some("unbuffered"), "access_log /dev/stdout mcp;"),
    ] {
        let conf = nginx_conf(value);
        assert!(conf.contains(line), "{value:?}: {conf}");
        assert!(conf.contains(FIELDS), "{value:?}");
        assert_eq!(conf.matches("access_log /dev/stdout").count(), 1);
    }
}

#[test]
fn access_log_off_writes_no_access_log_anywhere() {
    let conf = nginx_conf(Some("off"));
    assert!(!conf.contains("/dev/stdout"), "{conf}");
    assert!(!conf.contains("log_format"), "{conf}");
    assert!(conf.contains("    access_log off;\n"), "{conf}");
    // Errors still go to the container's log.
    assert!(conf.contains("error_log /dev/stderr warn;"));
}

#[test]
fn an_unknown_access_log_value_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mcp-stack.yaml"),
        "version: 1\nname: logs\ngateway:\n  access_log: sampled\nservers:\n  tools: { image: example/tools:1, health: none }\n",
    )
    .unwrap();
    let o = run(&["render"], dir.path());
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("gateway.access_log"), "{err}");
    assert!(err.contains(":4:"), "{err}");
    assert!(!dir.path().join("deploy").exists());
}
