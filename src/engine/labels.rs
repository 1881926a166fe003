//! Docker Compose's labels and names, so `docker compose -p <project> ps/logs/down` (and the
//! v1 `docker-compose`) see what `mcpstack up` made, and the other way round.

use std::collections::HashMap;

pub const PROJECT: &str = "com.docker.compose.project";
pub const SERVICE: &str = "com.docker.compose.service";
pub const NUMBER: &str = "com.docker.compose.container-number";
pub const ONEOFF: &str = "com.docker.compose.oneoff";
pub const CONFIG_HASH: &str = "com.docker.compose.config-hash";
pub const WORKING_DIR: &str = "com.docker.compose.project.working_dir";
pub const CONFIG_FILES: &str = "com.docker.compose.project.config_files";
pub const DEPENDS_ON: &str = "com.docker.compose.depends_on";
pub const IMAGE: &str = "com.docker.compose.image";
pub const VERSION: &str = "com.docker.compose.version";
pub const NETWORK: &str = "com.docker.compose.network";
pub const VOLUME: &str = "com.docker.compose.volume";
/// The Compose label format these follow.
pub const COMPOSE_VERSION: &str = "2.20.0";
/// Which mcpstack made it.
pub const MADE_BY: &str = "dev.mcpstack.version";
/// On images mcpstack builds: the project that built it (`down --remove-images` removes only
/// these) and the hash of what it was built from (`up` builds again when it differs).
pub const BUILT_FOR: &str = "dev.mcpstack.built-for";
pub const BUILD_HASH: &str = "dev.mcpstack.build-hash";
/// On a gateway service (set in compose.yaml): the nginx config file, inside the container, that
/// `up` reloads when it changed.
pub const NGINX_CONFIG: &str = "dev.mcpstack.nginx-config";
/// On a service that runs one replica of a stateful server (set in compose.yaml): the
/// server's name, so `logs <server>` shows every replica.
pub const REPLICA_OF: &str = "dev.mcpstack.replica-of";

/// `<project>-<service>-<n>`, as Compose v2 names containers.
pub fn container_name(project: &str, service: &str, n: u32) -> String {
    format!("{project}-{service}-{n}")
}

/// The labels every object of the project carries.
pub fn base(project: &str) -> HashMap<String, String> {
    HashMap::from([
        (PROJECT.to_string(), project.to_string()),
        (VERSION.to_string(), COMPOSE_VERSION.to_string()),
        (MADE_BY.to_string(), env!("CARGO_PKG_VERSION").to_string()),
    ])
}

/// The filter that selects the project's containers (never one-off ones).
pub fn project_filter(project: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_string(),
        vec![format!("{PROJECT}={project}"), format!("{ONEOFF}=False")],
    )])
}
