//! `mcpstack man`: the manual page, generated from the parser.

use crate::error::{Error, Result};
use clap::CommandFactory;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  mcpstack man | man -l -\n  mcpstack man --dir /usr/local/share/man/man1    one page per command: mcpstack.1, mcpstack-render.1, ..."
)]
pub struct Args {
    /// Write a page for every command into this folder instead of printing mcpstack(1)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run(args: &Args, out: &super::Out) -> Result<i32> {
    let cmd = super::Cli::command();
    match &args.dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut page)
                .map_err(|e| Error::io("the manual page", e))?;
            super::say(&String::from_utf8_lossy(&page));
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            clap_mangen::generate_to(cmd, dir).map_err(|e| Error::io(dir, e))?;
            out.info(format!("wrote the manual pages into {}", dir.display()));
        }
    }
    Ok(0)
}
