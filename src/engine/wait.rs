//! Waiting for health checks, and what `up` says when a service does not get healthy: every
//! service's state, and the last log lines of each container that failed.

use super::labels;
use super::ops::ps;
use super::progress::Progress;
use super::Target;
use bollard::query_parameters::LogsOptionsBuilder;
use bollard::Docker;
use futures_util::StreamExt;
use std::collections::BTreeSet;
use std::time::Duration;

/// The longest `up` waits for one service to become healthy.
const LIMIT: Duration = Duration::from_secs(300);

/// A container that did not become healthy, and why.
#[derive(Debug)]
pub struct Failure {
    pub service: String,
    pub container: String,
    pub reason: String,
}

/// Why a container is not (going to be) up, from one look at its state; `None` while it
/// may still get there.
fn verdict(
    health: Option<&str>,
    running: bool,
    restarting: bool,
    exit_code: i64,
    restarts: i64,
) -> Option<String> {
    if restarting {
        return Some(format!(
            "exited with code {exit_code} and is being restarted"
        ));
    }
    if running && restarts > 0 {
        return Some("exited and was restarted".into());
    }
    if !running {
        return Some(format!("exited with code {exit_code}"));
    }
    match health {
        Some("unhealthy") => Some("is unhealthy".into()),
        _ => None,
    }
}

/// Waits until every container of `name` is healthy (or running, without a health check).
pub async fn wait_healthy(
    docker: &Docker,
    t: &Target,
    name: &str,
    replicas: u32,
    p: &Progress<'_>,
) -> Vec<Failure> {
    let mut failures = Vec::new();
    let mut step = None;
    for n in 1..=replicas {
        let cname = labels::container_name(&t.project, name, n);
        let mut restarts_before = None;
        loop {
            let fail = |reason: String| Failure {
                service: name.to_string(),
                container: cname.clone(),
                reason,
            };
            let c = match docker.inspect_container(&cname, None).await {
                Ok(c) => c,
                Err(e) => {
                    failures.push(fail(format!("cannot be inspected: {e}")));
                    break;
                }
            };
            let restarts = c.restart_count.unwrap_or(0);
            let before = *restarts_before.get_or_insert(restarts);
            let state = c.state.unwrap_or_default();
            let health = state
                .health
                .and_then(|h| h.status)
                .map(|s| s.to_string())
                .filter(|h| h != "none");
            if health.as_deref() == Some("healthy") {
                break;
            }
            let verdict = verdict(
                health.as_deref(),
                state.running == Some(true),
                state.restarting == Some(true),
                state.exit_code.unwrap_or(0),
                restarts - before,
            );
            if let Some(reason) = verdict {
                failures.push(fail(reason));
                break;
            }
            if health.is_none() {
                break; // running, with no health check: nothing more to wait for
            }
            let waiting = step
                .get_or_insert_with(|| p.start(format!("Service {name}"), "Waiting for health"));
            if waiting.elapsed() > LIMIT {
                failures.push(fail(format!(
                    "did not become healthy in {}s",
                    LIMIT.as_secs()
                )));
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    match (step, failures.is_empty()) {
        (Some(s), true) => s.done("Healthy"),
        (Some(s), false) => s.failed("Unhealthy"),
        (None, false) => p.line(format!("Service {name}  Failed")),
        (None, true) => {}
    }
    failures
}

/// The error `up` ends with: what failed, every service's state, the failing containers' own
/// last log lines.
pub async fn report(
    docker: &Docker,
    t: &Target,
    selected: &BTreeSet<String>,
    failures: &[Failure],
) -> anyhow::Error {
    let services: BTreeSet<&str> = failures.iter().map(|f| f.service.as_str()).collect();
    let mut text = format!(
        "{} of {} service(s) did not become healthy: {}\n",
        services.len(),
        selected.len(),
        services.iter().copied().collect::<Vec<_>>().join(", ")
    );
    for f in failures {
        text += &format!("  {} {}\n", f.container, f.reason);
    }
    let rows = ps(docker, &t.project).await.unwrap_or_default();
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|r| selected.contains(&r.service))
        .collect();
    let width = rows.iter().map(|r| r.container.len()).max().unwrap_or(0);
    text += "\n  every service:\n";
    for r in &rows {
        let line = format!(
            "    {:<width$}  {:<10} {}",
            r.container,
            r.state,
            if r.health == "-" { "" } else { &r.health }
        );
        text += line.trim_end();
        text += "\n";
    }
    for f in failures {
        text += &format!("\n{}", last_logs(docker, &f.container).await);
    }
    let first = failures.first().map(|f| f.service.as_str()).unwrap_or("");
    text += &format!(
        "  = help: fix the cause in the log lines above, then run `mcpstack up` again; `mcpstack logs {first}` shows more"
    );
    anyhow::anyhow!(text)
}

/// The last 20 lines a container wrote (its server's and its bridge's output alike).
pub async fn last_logs(docker: &Docker, cname: &str) -> String {
    let opts = LogsOptionsBuilder::default()
        .stdout(true)
        .stderr(true)
        .tail("20")
        .build();
    let mut s = docker.logs(cname, Some(opts));
    let mut out = format!("  last log lines of {cname}:\n");
    let mut any = false;
    while let Some(Ok(line)) = s.next().await {
        for l in line.to_string().lines() {
            out += &format!("  | {l}\n");
            any = true;
        }
    }
    if !any {
        out += "  | (nothing: the container wrote no output)\n";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::verdict;

    #[test]
    fn a_container_that_exits_restarts_or_is_unhealthy_has_failed() {
        assert_eq!(verdict(Some("starting"), true, false, 0, 0), None);
        assert_eq!(verdict(None, true, false, 0, 0), None);
        assert_eq!(
            verdict(Some("starting"), false, false, 1, 0).as_deref(),
            Some("exited with code 1")
        );
        assert_eq!(
            verdict(Some("starting"), true, false, 0, 1).as_deref(),
            Some("exited and was restarted")
        );
        assert_eq!(
            verdict(Some("starting"), false, true, 2, 0).as_deref(),
            Some("exited with code 2 and is being restarted")
        );
        assert_eq!(
            verdict(Some("unhealthy"), true, false, 0, 0).as_deref(),
            Some("is unhealthy")
        );
    }
}
