//! Errors and warnings on standard error in one style, coloured on a terminal. `--color`
//! decides; with `auto` (the default) `NO_COLOR`, `CLICOLOR_FORCE` and whether standard error
//! is a terminal do.

use super::Color;
use anstyle::{AnsiColor, Style};

const ERROR: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)))
    .bold();
const WARNING: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)))
    .bold();
const HELP: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)))
    .bold();
const GUTTER: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Blue)))
    .bold();
const BOLD: Style = Style::new().bold();

/// Applies `--color` to everything that writes to the terminal: our messages, clap's, and the
/// prompts of `init`.
pub fn setup(choice: Color) {
    let c = match choice {
        Color::Auto => anstream::ColorChoice::Auto,
        Color::Always => anstream::ColorChoice::Always,
        Color::Never => anstream::ColorChoice::Never,
    };
    c.write_global();
    let on = anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never;
    dialoguer::console::set_colors_enabled_stderr(on);
}

/// The `--color` value on a command line that clap has not parsed yet, so that clap's own
/// errors follow it too.
pub fn from_args(args: &[std::ffi::OsString]) -> Color {
    let mut choice = Color::Auto;
    let mut it = args.iter().map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        let value = match a.strip_prefix("--color") {
            Some("") => it.next().map(|v| v.into_owned()),
            Some(rest) => rest.strip_prefix('=').map(str::to_string),
            None => None,
        };
        choice = match value.as_deref() {
            Some("always") => Color::Always,
            Some("never") => Color::Never,
            Some("auto") => Color::Auto,
            _ => choice,
        };
    }
    choice
}

/// Prints an error (`error: ...`, the lines under it, `= help: ...`) to standard error.
pub fn error(text: &str, help: Option<&str>) {
    let text = if text.starts_with("error:") {
        text.to_string()
    } else {
        format!("error: {text}")
    };
    let mut out = paint(&text);
    if let Some(h) = help {
        out += &paint(&format!("  = help: {h}"));
    }
    anstream::eprint!("{out}");
}

/// Prints a warning (a message, or a diagnostic already formatted) to standard error.
pub fn warning(text: &str) {
    let text = if text.starts_with("warning:") {
        text.to_string()
    } else {
        format!("warning: {text}")
    };
    anstream::eprint!("{}", paint(&text));
}

/// Styles the parts of diagnostic text: the level, the location arrow and gutter, the caret and
/// the hint. The words stay exactly as they are; without colour the styles are stripped.
pub fn paint(text: &str) -> String {
    let mut out = String::new();
    for line in text.trim_end_matches('\n').split('\n') {
        out += &paint_line(line);
        out.push('\n');
    }
    out
}

fn paint_line(line: &str) -> String {
    for (level, style) in [("error", ERROR), ("warning", WARNING)] {
        if let Some(rest) = line.strip_prefix(level).and_then(|r| r.strip_prefix(':')) {
            return format!("{style}{level}{style:#}{BOLD}:{rest}{BOLD:#}");
        }
    }
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    if let Some(rest) = trimmed.strip_prefix("= help:") {
        return format!("{indent}{GUTTER}={GUTTER:#} {HELP}help{HELP:#}:{rest}");
    }
    if let Some(rest) = trimmed.strip_prefix("-->") {
        return format!("{indent}{GUTTER}-->{GUTTER:#}{rest}");
    }
    // `12 | source`, ` | ` and ` |    ^`
    if let Some(bar) = line.find(" |") {
        let (gutter, rest) = line.split_at(bar + 2);
        if gutter[..bar].trim().chars().all(|c| c.is_ascii_digit()) {
            let rest = if rest.trim() == "^" {
                rest.replace('^', &format!("{ERROR}^{ERROR:#}"))
            } else {
                rest.to_string()
            };
            return format!("{GUTTER}{gutter}{GUTTER:#}{rest}");
        }
    }
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(s: &str) -> String {
        anstream::adapter::strip_str(s).to_string()
    }

    #[test]
    fn painting_keeps_the_words() {
        let text = "error: name: `Foo` is not a DNS label\n --> mcp-stack.yaml:2:7\n  |\n2 | name: Foo\n  |       ^\n  = help: use lowercase letters\n";
        let painted = paint(text);
        assert_ne!(painted, text);
        assert_eq!(strip(&painted), text);
        assert!(painted.contains("\u{1b}[1m\u{1b}[31merror") || painted.contains("\u{1b}[31"));
    }

    #[test]
    fn color_flag_before_parsing() {
        let args = |v: &[&str]| v.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert!(matches!(
            from_args(&args(&["mcpstack", "--color", "never"])),
            Color::Never
        ));
        assert!(matches!(
            from_args(&args(&["mcpstack", "render", "--color=always"])),
            Color::Always
        ));
        assert!(matches!(
            from_args(&args(&["mcpstack", "validate"])),
            Color::Auto
        ));
        assert!(matches!(
            from_args(&args(&["mcpstack", "--", "--color=always"])),
            Color::Auto
        ));
    }
}
