use clap::{CommandFactory, FromArgMatches};
use mcpstack::cli::{self, color, Cli, Color};

fn main() {
    // Every allocation of 128 KiB or more gets its own mapping, returned to the system when
    // freed. Left alone, glibc raises that threshold to the largest block freed, and the large
    // texts one render thread frees stay in its arena, unusable by the other: ~5 MiB more at
    // the peak of a large render (BENCHMARKS.md).
    // The heaps grow and shrink 32 MiB at a time instead of 128 KiB: a render of 1,000 servers
    // otherwise makes ~2,500 mprotect calls growing its render threads' heaps, and faults
    // pages back in that a trim returned (~8% of its time, the same peak; BENCHMARKS.md).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_TOP_PAD, 32 * 1024 * 1024);
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `--color` applies to clap's own errors and help too, so it is read before parsing.
    let choice = color::from_args(&args);
    color::setup(choice);
    let clap_color = match choice {
        Color::Auto => clap::ColorChoice::Auto,
        Color::Always => clap::ColorChoice::Always,
        Color::Never => clap::ColorChoice::Never,
    };
    let parsed = Cli::command()
        .color(clap_color)
        .try_get_matches_from(&args)
        .and_then(|mut m| Cli::from_arg_matches_mut(&mut m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            // Usage errors exit 2; --help and --version exit 0.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    match cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            color::error(&e.to_string(), e.help().as_deref());
            std::process::exit(e.exit_code());
        }
    }
}
