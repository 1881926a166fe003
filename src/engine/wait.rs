//! Waiting for health checks, and what `up` says when a service does not get healthy: every
//! service's state, and the last log lines of each container that failed.

use super::exec::{run, Ran};
use super::labels;
use super::ops::ps;
use super::progress::Progress;
use super::Target;
use bollard::models::HealthConfig;
use bollard::query_parameters::LogsOptionsBuilder;
use bollard::Docker;
use futures_util::StreamExt;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

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

/// When `up` runs a starting container's health check itself: every half second for the
/// first ten runs (most servers are ready within seconds), then less often (each run starts
/// the check's interpreter in the container), at most every 3 s.
struct Backoff {
    next: Instant,
    gap: Duration,
    runs: u32,
}

const FIRST_GAP: Duration = Duration::from_millis(500);
const QUICK_RUNS: u32 = 10;

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            next: Instant::now() + FIRST_GAP,
            gap: FIRST_GAP,
            runs: 0,
        }
    }
}

impl Backoff {
    /// Whether a run is due now; if so, the next one is scheduled.
    fn due(&mut self) -> bool {
        let now = Instant::now();
        if now < self.next {
            return false;
        }
        self.runs += 1;
        if self.runs >= QUICK_RUNS {
            self.gap = (self.gap * 3 / 2).min(Duration::from_secs(3));
        }
        self.next = now + self.gap;
        true
    }
}

/// The command line a health check's `test` runs, as the engine runs it; `None` for `NONE`
/// or an empty test.
fn check_command(test: &[String]) -> Option<Vec<&str>> {
    match test.split_first()? {
        (kind, rest) if kind == "CMD" && !rest.is_empty() => {
            Some(rest.iter().map(String::as_str).collect())
        }
        (kind, [line]) if kind == "CMD-SHELL" => Some(vec!["/bin/sh", "-c", line]),
        _ => None,
    }
}

/// Runs a container's health check in it once; true when it passes within its timeout.
/// A check that fails or cannot run is not a verdict: the engine's own runs decide that.
async fn run_check(docker: &Docker, cname: &str, check: Option<HealthConfig>) -> bool {
    let Some(check) = check else { return false };
    let test = check.test.unwrap_or_default();
    let Some(cmd) = check_command(&test) else {
        return false;
    };
    let limit = match check.timeout {
        Some(ns) if ns > 0 => Duration::from_nanos(ns as u64),
        _ => Duration::from_secs(30), // the engine's default
    };
    matches!(
        tokio::time::timeout(limit, run(docker, cname, cmd)).await,
        Ok(Ok(Ran { code: 0, .. }))
    )
}

/// Waits until every container of `name` is healthy (or running, without a health check).
/// A container counts as healthy when the engine says so or when its own health check,
/// run by `up`, passes.
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
        // The first replica has just started; later ones waited while it got ready.
        let mut probe = Backoff::default();
        if n > 1 {
            probe.next = Instant::now();
        }
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
            // The engine runs the check only every interval (10 s on engines without a start
            // interval): run the same check now, and count its first pass.
            let check = c.config.and_then(|c| c.healthcheck);
            if probe.due() && run_check(docker, &cname, check).await {
                break;
            }
            if waiting.elapsed() > LIMIT {
                failures.push(fail(format!(
                    "did not become healthy in {}s",
                    LIMIT.as_secs()
                )));
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
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
    use super::{check_command, verdict, Backoff};
    use std::time::{Duration, Instant};

    #[test]
    fn up_runs_a_check_soon_then_less_often_at_most_every_three_seconds() {
        let mut b = Backoff::default();
        assert!(!b.due(), "not at once: the server has just started");
        let mut gaps = Vec::new();
        for _ in 0..14 {
            b.next = Instant::now();
            assert!(b.due());
            assert!(!b.due(), "a run schedules the next one");
            gaps.push(b.gap.as_millis());
        }
        assert_eq!(
            gaps,
            [500, 500, 500, 500, 500, 500, 500, 500, 500, 750, 1125, 1687, 2531, 3000]
        );
        assert!(b.next > Instant::now() + Duration::from_millis(2900));
    }

    #[test]
    fn a_health_check_runs_as_the_engine_runs_it() {
        let v = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let test = v(&["CMD", "python3", "/health.py"]);
        assert_eq!(check_command(&test), Some(vec!["python3", "/health.py"]));
        let test = v(&["CMD-SHELL", "curl -f localhost || exit 1"]);
        assert_eq!(
            check_command(&test),
            Some(vec!["/bin/sh", "-c", "curl -f localhost || exit 1"])
        );
        assert_eq!(check_command(&v(&["NONE"])), None);
        assert_eq!(check_command(&v(&["CMD"])), None);
        assert_eq!(check_command(&v(&["CMD-SHELL", "a", "b"])), None);
        assert_eq!(check_command(&[]), None);
    }

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
