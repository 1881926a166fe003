//! The resolver and the renderers grow linearly with the number of servers. Nothing here reads
//! a clock: work is counted (steps of the port search) or measured in bytes.

#[path = "../benches/support/stack_gen.rs"]
mod stack_gen;

use mcpstack::model::ports::FreePorts;
use mcpstack::pipeline::Project;
use std::collections::{BTreeMap, BTreeSet};

fn project(n: usize) -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().unwrap();
    stack_gen::write_stack(dir.path(), n);
    let project = Project::load(&dir.path().join("mcp-stack.yaml")).expect("a valid stack");
    (dir, project)
}

#[test]
fn ten_thousand_servers_on_one_port_cost_a_linear_number_of_steps() {
    let n = 10_000;
    let mut free = FreePorts::default();
    free.take(8080);
    let mut given = Vec::new();
    for _ in 0..n {
        let p = free.first_free_from(8000);
        free.take(p);
        given.push(p);
    }
    let expected: Vec<u16> = (8000..).filter(|p| *p != 8080).take(n).collect();
    assert_eq!(given, expected);
    // Probing from 8000 each time (the old search) walks n²/2 = 50,000,000 steps.
    assert!(
        free.steps() <= 2 * n,
        "{} steps for {n} servers",
        free.steps()
    );
}

#[test]
fn interleaved_start_ports_stay_linear_and_give_the_lowest_free_port() {
    let n = 6_000;
    let mut free = FreePorts::default();
    let mut taken = BTreeSet::new();
    for i in 0..n {
        // Start ports spread over a window the earlier answers keep landing in.
        let start = 8000 + ((i * 7919) % 3000) as u16;
        let p = free.first_free_from(start);
        let lowest = (start..).find(|q| !taken.contains(q)).unwrap();
        assert_eq!(p, lowest, "server {i} from {start}");
        free.take(p);
        taken.insert(p);
    }
    assert!(
        free.steps() <= 4 * n,
        "{} steps for {n} lookups",
        free.steps()
    );
}

#[test]
fn the_top_port_is_handed_out_even_when_taken() {
    let mut free = FreePorts::default();
    free.take(65534);
    free.take(65535);
    assert_eq!(free.first_free_from(65534), 65535);
    assert_eq!(free.first_free_from(65535), 65535);
}

#[test]
fn a_thousand_servers_resolve_to_distinct_ports_routes_and_one_reader_list_per_secret() {
    let n = 1000;
    let (_dir, project) = project(n);
    let stack = &project.stack;
    assert_eq!(stack.components.len(), n);
    // Dev ports in name order: the lowest free port at or above the container port, skipping
    // the gateway's and monitoring's host ports.
    let mut taken: BTreeSet<u16> = [80, 443, 9090, 3000].into_iter().collect();
    for comp in &stack.components {
        let port = comp.port.unwrap();
        let expected = (port..).find(|p| !taken.contains(p)).unwrap();
        assert_eq!(comp.dev.host_port, Some(expected), "{}", comp.name);
        taken.insert(expected);
    }
    let ports: BTreeMap<&str, u16> = stack
        .components
        .iter()
        .map(|c| (c.name.as_str(), c.port.unwrap()))
        .collect();
    assert_eq!(stack.gateway.routes.len(), n);
    for r in &stack.gateway.routes {
        assert_eq!(r.port, ports[r.server.as_str()], "{}", r.server);
        assert_eq!(r.path, format!("/{}/", r.server));
    }
    let shared = &stack.variables["SHARED_API_KEY"];
    let all: Vec<String> = (0..n).map(stack_gen::server_name).collect();
    assert_eq!(shared.readers, all);
    assert_eq!(
        stack.variables["KEY_S0042"].readers,
        vec!["s0042".to_string()]
    );
}

#[test]
fn rendered_files_grow_linearly_with_the_servers() {
    let sizes = |n: usize| -> (usize, BTreeMap<String, usize>) {
        let (_dir, project) = project(n);
        let files = project.render().unwrap();
        let count = files.len();
        let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
        for f in files {
            // Per-server files are grouped by their name; shared files by their path.
            let kind = f.path.rsplit('/').next().unwrap().to_string();
            *by_kind.entry(kind).or_default() += f.contents.len();
        }
        (count, by_kind)
    };
    let (count_100, small) = sizes(100);
    let (count_1000, large) = sizes(1000);
    assert!(
        count_1000 <= 10 * count_100,
        "{count_100} files for 100 servers, {count_1000} for 1000"
    );
    assert_eq!(
        small.keys().collect::<Vec<_>>(),
        large.keys().collect::<Vec<_>>()
    );
    for (kind, bytes) in &large {
        let ratio = *bytes as f64 / small[kind] as f64;
        assert!(
            ratio <= 11.0,
            "{kind}: {} bytes for 100 servers, {bytes} for 1000 ({ratio:.1}×)",
            small[kind]
        );
    }
}

#[test]
fn renderers_find_every_component_and_replica_set_by_name() {
    let (_dir, project) = project(300);
    let stack = &project.stack;
    // Both lookups are binary searches over lists resolve keeps in name order.
    for comp in &stack.components {
        let found = stack.component(&comp.name).expect("every component");
        assert!(std::ptr::eq(found, comp), "{}", comp.name);
    }
    let mut sticky = 0;
    for r in &stack.gateway.routes {
        let named = stack.named_replicas(&r.server);
        if r.balance == mcpstack::model::Balance::SessionAffinity {
            sticky += 1;
            assert_eq!(named, Some(r.replica_hosts.as_slice()), "{}", r.server);
            assert!(!r.replica_hosts.is_empty(), "{}", r.server);
        } else {
            assert_eq!(named, None, "{}", r.server);
        }
    }
    assert!(sticky > 0, "the generated stack has sticky replicas");
    for missing in ["", "a", "s0042x", "zzz"] {
        assert!(stack.component(missing).is_none(), "{missing}");
        assert!(stack.named_replicas(missing).is_none(), "{missing}");
    }
}
