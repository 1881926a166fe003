//! What `up` tells as it goes, through a [`Reporter`] the caller hands in: the engine says
//! which step began and how it ended; the caller decides how that looks (spinners, plain
//! lines, nothing).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Receives `up`'s progress. Steps are numbered so a reporter can follow several at once.
pub trait Reporter: Sync {
    /// A step began: building an image, starting a container, waiting for health.
    fn begin(&self, step: usize, label: &str, state: &str);
    /// The step ended with `state` ("Started", "Build failed") after `elapsed`.
    fn end(&self, step: usize, label: &str, state: &str, ok: bool, elapsed: Duration);
    /// Something that took no time worth showing ("Network x  Created").
    fn line(&self, text: &str);
    /// Output of a step (build logs, with `--verbose`).
    fn detail(&self, text: &str);
}

/// A reporter that shows nothing.
pub struct Silent;

impl Reporter for Silent {
    fn begin(&self, _: usize, _: &str, _: &str) {}
    fn end(&self, _: usize, _: &str, _: &str, _: bool, _: Duration) {}
    fn line(&self, _: &str) {}
    fn detail(&self, _: &str) {}
}

/// The engine's side: numbers steps and times them.
pub struct Progress<'a> {
    reporter: &'a dyn Reporter,
    next: AtomicUsize,
}

/// One step under way.
pub struct Step<'a> {
    reporter: &'a dyn Reporter,
    id: usize,
    label: String,
    start: Instant,
}

impl<'a> Progress<'a> {
    pub fn new(reporter: &'a dyn Reporter) -> Progress<'a> {
        Progress {
            reporter,
            next: AtomicUsize::new(0),
        }
    }

    pub fn start(&self, label: impl Into<String>, state: &str) -> Step<'a> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let label = label.into();
        self.reporter.begin(id, &label, state);
        Step {
            reporter: self.reporter,
            id,
            label,
            start: Instant::now(),
        }
    }

    pub fn line(&self, text: impl AsRef<str>) {
        self.reporter.line(text.as_ref());
    }

    pub fn detail(&self, text: impl AsRef<str>) {
        self.reporter.detail(text.as_ref());
    }
}

impl Step<'_> {
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    pub fn done(self, state: &str) {
        self.reporter
            .end(self.id, &self.label, state, true, self.start.elapsed());
    }

    pub fn failed(self, state: &str) {
        self.reporter
            .end(self.id, &self.label, state, false, self.start.elapsed());
    }
}
