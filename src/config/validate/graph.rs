//! `depends_on`: known names and no cycles.

use super::*;

/// Unknown names and cycles in `depends_on`.
pub(super) fn dependencies(ck: &mut Check, c: &Config) {
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let all: Vec<(&str, &str, &Vec<String>)> = c
        .servers
        .iter()
        .map(|(n, s)| ("servers", n.as_str(), &s.depends_on))
        .chain(
            c.services
                .iter()
                .map(|(n, s)| ("services", n.as_str(), &s.depends_on)),
        )
        .collect();
    for (section, name, deps) in &all {
        for (i, d) in deps.iter().enumerate() {
            let key = KeyPath::of(&[section, name, "depends_on"]).index(i);
            if d == name {
                ck.err(key, format!("`{name}` depends on itself"));
            } else if !c.servers.contains_key(d) && !c.services.contains_key(d) {
                let names: Vec<String> =
                    c.servers.keys().chain(c.services.keys()).cloned().collect();
                let help = match crate::config::schema::closest(d, &names) {
                    Some(n) => format!("did you mean `{n}`?"),
                    None => format!("known servers and services: {}", names.join(", ")),
                };
                ck.err(key, format!("`{d}` is not a server or service"))
                    .help = Some(help);
            } else {
                graph.entry(name).or_default().push(d.as_str());
            }
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        let first = cycle[0];
        let section = if c.servers.contains_key(first) {
            "servers"
        } else {
            "services"
        };
        ck.err(
            KeyPath::of(&[section, first, "depends_on"]),
            format!("depends_on forms a cycle: {}", cycle.join(" → ")),
        )
        .help = Some(
            "containers start in dependency order, so one of these must not depend on the next"
                .into(),
        );
    }
}

pub(super) fn find_cycle<'a>(graph: &BTreeMap<&'a str, Vec<&'a str>>) -> Option<Vec<&'a str>> {
    fn visit<'a>(
        n: &'a str,
        graph: &BTreeMap<&'a str, Vec<&'a str>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<&'a str>> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let start = stack.iter().position(|s| *s == n).unwrap_or(0);
                let mut cycle = stack[start..].to_vec();
                cycle.push(n);
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(n, 1);
        stack.push(n);
        for d in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, graph, state, stack) {
                return Some(c);
            }
        }
        stack.pop();
        state.insert(n, 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if let Some(c) = visit(n, graph, &mut state, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}
