//! `mcpstack completions <shell>`: the shell's completion script, generated from the parser.

use clap::CommandFactory;
use clap_complete::Shell;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  mcpstack completions bash > ~/.local/share/bash-completion/completions/mcpstack\n  mcpstack completions zsh > ~/.zfunc/_mcpstack        (with fpath+=~/.zfunc before compinit)\n  mcpstack completions fish > ~/.config/fish/completions/mcpstack.fish\n  mcpstack completions powershell >> $PROFILE"
)]
pub struct Args {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: &Args) -> i32 {
    let mut cmd = super::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "mcpstack", &mut script);
    super::say(&String::from_utf8_lossy(&script));
    0
}
