//! The servers' checks, on two threads for a large stack: each half of the servers with a
//! `Check` of its own, merged into what one thread would have found, in the same order.

use super::*;

/// From this many servers, the second half is checked on a thread of its own (as the model
/// makes them: a thread costs tens of microseconds, a server's checks a few).
pub(super) const SPLIT_FROM: usize = 64;

/// The gateway paths claimed so far, by server, and every claim in order (for the merge).
#[derive(Default)]
pub(super) struct Routes {
    held: BTreeMap<String, String>,
    claims: Vec<Claim>,
}

/// A server claiming a path: `at` is where in the errors a clash would have gone, and `fresh`
/// says no earlier server of the same half held the path.
struct Claim {
    path: String,
    server: String,
    at: usize,
    fresh: bool,
}

impl Routes {
    /// Claims `path` for `server`; the server that held it before, if any. `at`: the number of
    /// errors found so far.
    pub(super) fn claim(&mut self, path: &str, server: &str, at: usize) -> Option<String> {
        let before = self.held.insert(path.to_string(), server.to_string());
        self.claims.push(Claim {
            path: path.to_string(),
            server: server.to_string(),
            at,
            fresh: before.is_none(),
        });
        before
    }
}

/// Two servers on one path: the later one's error.
pub(super) fn route_taken(server: &KeyPath, path: &str, other: &str) -> Diagnostic {
    Diagnostic::new(
        server.key("path"),
        format!("path `{path}` is already the route of server `{other}`"),
    )
    .help("each server needs its own path on the gateway")
}

/// Checks every server, on two threads from `split_from` servers.
pub(super) fn all(ck: &mut Check, c: &Config, split_from: usize) {
    let all: Vec<(&String, &Server)> = c.servers.iter().collect();
    if all.len() < split_from.max(2) {
        // One folder cache: servers that share a build folder read it once.
        return each(ck, &all, &mut Routes::default());
    }
    let (first, second) = all.split_at(all.len() / 2);
    let source = ck.source;
    let (later, mut routes) = crate::parallel::join(
        true,
        || {
            let mut ck = Check {
                source,
                errors: Vec::new(),
                facts: Facts::default(),
                folders: paths::Folders::default(),
            };
            let mut routes = Routes::default();
            each(&mut ck, second, &mut routes);
            (ck, routes)
        },
        || {
            let mut routes = Routes::default();
            each(ck, first, &mut routes);
            routes
        },
    );
    merge(ck, &mut routes, later);
}

fn each(ck: &mut Check, servers: &[(&String, &Server)], routes: &mut Routes) {
    for (name, s) in servers {
        let p = KeyPath::of(&["servers", name]);
        component_name(ck, &p, name);
        server(ck, &p, name, s, routes);
    }
}

/// Appends the second half's findings to the first's, with the clashes of a path first
/// claimed in the second half and held in the first, where one thread would have found them.
fn merge(ck: &mut Check, routes: &mut Routes, (later, later_routes): (Check, Routes)) {
    let mut errors = later.errors;
    let mut added = 0;
    for claim in later_routes.claims.iter().filter(|c| c.fresh) {
        if let Some(other) = routes.held.get(&claim.path) {
            let server = KeyPath::of(&["servers", &claim.server]);
            let clash = route_taken(&server, &claim.path, other);
            errors.insert(claim.at + added, clash);
            added += 1;
        }
    }
    routes.held.extend(later_routes.held);
    ck.errors.extend(errors);
    ck.facts.builds.extend(later.facts.builds);
    ck.facts.warnings.extend(later.facts.warnings);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    /// What validation says, as text: errors (or facts and warnings) in their order.
    fn said(c: &Config, source: &Source, split_from: usize) -> String {
        match super::super::validate_with(c, source, split_from) {
            Ok(facts) => format!("{:?} {:?}", facts.builds, facts.warnings),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn two_threads_find_what_one_finds_in_the_same_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut yaml = String::from("version: 1\nname: split\nservers:\n");
        for i in 0..300 {
            // Clashes within each half and across them, names that are no DNS label, bad
            // fields, builds that are missing, and servers with nothing wrong.
            let path = match i % 7 {
                0 => "/shared/".to_string(),
                3 if i > 150 => format!("/s{:03}/", i - 149),
                _ => format!("/s{i:03}/"),
            };
            let name = if i % 41 == 5 {
                format!("S_{i}")
            } else {
                format!("s{i:03}")
            };
            let extra = match i % 5 {
                1 => "timeout: soon, ",
                2 => "build: ./missing, ",
                _ => "",
            };
            writeln!(
                yaml,
                "  {name}: {{ image: example/s:1, {extra}path: {path}, health: none }}"
            )
            .unwrap();
        }
        let file = dir.path().join("mcp-stack.yaml");
        let (c, source) =
            crate::config::parse(file, dir.path().to_path_buf(), yaml).expect("parses");
        let one = said(&c, &source, usize::MAX);
        // 43 servers on `/shared/` after the first, 21 on another's own path.
        assert_eq!(
            one.matches("is already the route of server").count(),
            42 + 21,
            "{one}"
        );
        assert_eq!(said(&c, &source, 2), one);
        assert_eq!(said(&c, &source, 300), one);
    }

    #[test]
    fn two_threads_gather_the_same_facts() {
        let dir = tempfile::tempdir().unwrap();
        let mut yaml = String::from("version: 1\nname: split\nservers:\n");
        for i in 0..40 {
            let app = dir.path().join(format!("app{}", i % 3));
            std::fs::create_dir_all(&app).unwrap();
            std::fs::write(app.join("requirements.txt"), "mcp\n").unwrap();
            std::fs::write(app.join("server.py"), "print()\n").unwrap();
            writeln!(
                yaml,
                "  s{i:02}: {{ build: ./app{}, command: [python, server.py], transport: stdio }}",
                i % 3
            )
            .unwrap();
        }
        let file = dir.path().join("mcp-stack.yaml");
        let (c, source) =
            crate::config::parse(file, dir.path().to_path_buf(), yaml).expect("parses");
        let one = said(&c, &source, usize::MAX);
        assert!(one.contains("\"s39\""), "{one}");
        assert_eq!(said(&c, &source, 2), one);
    }
}
