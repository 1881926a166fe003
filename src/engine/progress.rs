//! What `up` shows, as `docker compose up` does: a line per step with its state and elapsed
//! time; spinners on a terminal, plain lines otherwise.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

pub struct Progress {
    multi: Option<MultiProgress>,
    quiet: bool,
}

/// One step under way (building an image, starting a container, waiting for health).
pub struct Step {
    label: String,
    start: Instant,
    bar: Option<ProgressBar>,
    quiet: bool,
}

impl Progress {
    /// Spinners when standard output is a terminal; nothing at all when `quiet`.
    pub fn new(quiet: bool) -> Progress {
        let tty = std::io::stdout().is_terminal() && !quiet;
        Progress {
            multi: tty.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stdout())),
            quiet,
        }
    }

    fn plain(&self, line: &str) {
        if !self.quiet {
            crate::cli::say(&format!("{line}\n"));
        }
    }

    /// A step begins: a spinner with `state`, or nothing on a plain output.
    pub fn start(&self, label: impl Into<String>, state: &str) -> Step {
        let label = label.into();
        let bar = self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template(" {spinner} {msg}  {elapsed}").expect("template"),
            );
            bar.set_message(format!("{label}  {state}"));
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Step {
            label,
            start: Instant::now(),
            bar,
            quiet: self.quiet,
        }
    }

    /// A line for something that took no time worth showing.
    pub fn line(&self, text: impl AsRef<str>) {
        let line = format!(" ✔ {}", text.as_ref());
        match &self.multi {
            Some(m) => {
                let _ = m.println(line);
            }
            None => self.plain(&line),
        }
    }

    /// Output from a step (build logs with --verbose).
    pub fn detail(&self, text: impl AsRef<str>) {
        match &self.multi {
            Some(m) => {
                let _ = m.println(text.as_ref());
            }
            None => self.plain(text.as_ref()),
        }
    }
}

impl Step {
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// The step ended with `state` (e.g. "Started"): the line stays, with the time it took.
    pub fn done(self, state: &str) {
        let line = format!(
            " ✔ {}  {state}  {:.1}s",
            self.label,
            self.start.elapsed().as_secs_f64()
        );
        self.finish(line);
    }

    /// The step failed: the spinner stops with a cross (the error is reported by the caller).
    pub fn failed(self, state: &str) {
        let line = format!(" ✘ {}  {state}", self.label);
        self.finish(line);
    }

    fn finish(self, line: String) {
        match self.bar {
            Some(bar) => {
                bar.set_style(ProgressStyle::with_template("{msg}").expect("template"));
                bar.finish_with_message(line);
            }
            None if !self.quiet => crate::cli::say(&format!("{line}\n")),
            None => {}
        }
    }
}
