//! The results of a check as an aligned plain-text table, then one line per failure.

use super::answers::BodyKind;
use super::check::{ms, CheckResult, SessionCheck};
use super::failure::Column;

const HEADER: [&str; 6] = [
    "server",
    "url",
    "initialize",
    "tools",
    "first byte ms",
    "session",
];

/// The table, then (when any) every failure with its server, step, status and body.
pub fn table(results: &[CheckResult]) -> String {
    let rows: Vec<[String; 6]> = results.iter().map(row).collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for cells in std::iter::once(HEADER.map(String::from)).chain(rows) {
        let line: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out += line.join("  ").trim_end();
        out.push('\n');
    }
    let failures: Vec<String> = results
        .iter()
        .flat_map(|r| r.failures.iter().map(|f| f.to_string()))
        .collect();
    if !failures.is_empty() {
        out.push('\n');
        for f in failures {
            out += &f;
            out.push('\n');
        }
    }
    out
}

fn row(r: &CheckResult) -> [String; 6] {
    let missing = |column| {
        if r.failed(column) {
            "FAILED".to_string()
        } else {
            "-".to_string()
        }
    };
    let initialize = match &r.initialize {
        Some(i) if !r.failed(Column::Initialize) => format!("ok, {} ms", ms(i.elapsed)),
        _ => missing(Column::Initialize),
    };
    let tools = match &r.tools {
        Some(t) => format!("{}, {} ms", t.names.len(), ms(t.elapsed)),
        None => missing(Column::Tools),
    };
    let first_byte = match r.first_byte {
        Some(fb) if fb.kind == BodyKind::EventStream => ms(fb.after).to_string(),
        Some(_) => "json".to_string(),
        None => "-".to_string(),
    };
    let session = match r.session {
        _ if r.failed(Column::Session) => "FAILED".to_string(),
        Some(SessionCheck::Ended) => "ok".to_string(),
        Some(SessionCheck::NoDelete) => "ok, no DELETE".to_string(),
        Some(SessionCheck::Stateless) => "none (stateless)".to_string(),
        Some(SessionCheck::Legacy) => "n/a (sse)".to_string(),
        Some(SessionCheck::Sessionless) => "none (2026-07-28)".to_string(),
        None => "-".to_string(),
    };
    [
        r.server.clone(),
        r.url.clone(),
        initialize,
        tools,
        first_byte,
        session,
    ]
}
