//! The `core-server` binary: parse the command line and hand over to the library.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = core_server::cli::Cli::parse();
    match core_server::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("core-server: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
