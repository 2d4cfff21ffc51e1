//! The `farmctl` binary: parse the command line and hand over to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = farmctl::cli::Cli::parse();
    match farmctl::cli::run(cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            eprintln!("farmctl: {err:#}");
            farmctl::Exit::Failed.into()
        }
    }
}
