//! How `up`'s progress looks, as `docker compose up` shows it: a line per step with its state
//! and elapsed time; spinners on a terminal, plain lines otherwise, nothing with `--quiet`.

use crate::cli::say;
use crate::engine::Reporter;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

pub struct Terminal {
    multi: Option<MultiProgress>,
    bars: Mutex<HashMap<usize, ProgressBar>>,
}

impl Terminal {
    /// Spinners when standard output is a terminal, plain lines otherwise.
    pub fn new() -> Terminal {
        let tty = std::io::stdout().is_terminal();
        Terminal {
            multi: tty.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stdout())),
            bars: Mutex::new(HashMap::new()),
        }
    }

    fn print(&self, line: &str) {
        match &self.multi {
            Some(m) => {
                let _ = m.println(line);
            }
            None => say(&format!("{line}\n")),
        }
    }
}

impl Reporter for Terminal {
    fn begin(&self, step: usize, label: &str, state: &str) {
        if let Some(m) = &self.multi {
            let bar = m.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template(" {spinner} {msg}  {elapsed}").expect("template"),
            );
            bar.set_message(format!("{label}  {state}"));
            bar.enable_steady_tick(Duration::from_millis(100));
            self.bars.lock().expect("bars").insert(step, bar);
        }
    }

    fn end(&self, step: usize, label: &str, state: &str, ok: bool, elapsed: Duration) {
        let line = if ok {
            format!(" ✔ {label}  {state}  {:.1}s", elapsed.as_secs_f64())
        } else {
            format!(" ✘ {label}  {state}")
        };
        match self.bars.lock().expect("bars").remove(&step) {
            Some(bar) => {
                bar.set_style(ProgressStyle::with_template("{msg}").expect("template"));
                bar.finish_with_message(line);
            }
            None => say(&format!("{line}\n")),
        }
    }

    fn line(&self, text: &str) {
        self.print(&format!(" ✔ {text}"));
    }

    fn detail(&self, text: &str) {
        self.print(text);
    }
}
