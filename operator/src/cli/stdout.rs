//! Standard output of the CLI. Results go to stdout; when the reader has gone
//! (`sluice pr list | head -1`) the command ends quietly with exit status 0 instead of
//! panicking, as command-line tools do.

use std::io::{ErrorKind, Write};

/// Writes `args` to stdout. A closed pipe ends the process with status 0 (the reader has
/// what it wanted); any other write failure is reported on stderr and ends it with
/// status 1.
pub fn write(args: std::fmt::Arguments<'_>) {
    if let Err(err) = std::io::stdout().lock().write_fmt(args) {
        if err.kind() == ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing to standard output: {err}");
        std::process::exit(1);
    }
}

/// `print!` for command results: see [`write`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::stdout::write(format_args!($($arg)*))
    };
}

/// `println!` for command results: see [`write`].
macro_rules! outln {
    () => {
        $crate::cli::stdout::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::stdout::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {out, outln};
