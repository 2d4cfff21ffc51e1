//! `parity`: thin; parses the command line and hands over to `cli`.

use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = parity::cli::Cli::parse();
    std::process::exit(parity::cli::main(cli).await);
}
