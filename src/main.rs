use clap::Parser;
use mcpstack::cli::{self, Cli};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    match cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("{}", style_error(&e));
            if let Some(help) = e.help() {
                eprintln!("  = help: {help}");
            }
            std::process::exit(e.exit_code());
        }
    }
}

fn style_error(e: &mcpstack::Error) -> String {
    let text = e.to_string();
    if text.starts_with("error:") {
        text
    } else {
        format!("error: {text}")
    }
}
