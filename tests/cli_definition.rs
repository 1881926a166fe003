//! clap's own consistency checks over every subcommand (duplicate flags, bad defaults...).

use clap::CommandFactory;

#[test]
fn command_line_definition_is_consistent() {
    mcpstack::cli::Cli::command().debug_assert();
}
