//! `govhub`: the one binary that runs the whole hub. Thin: parse the command line, set up
//! logging, hand over to the subcommand.

mod config;
mod metrics;
mod secret;
mod seed_cmd;
mod serve;
mod tls;
mod token_cmd;
mod web;
mod workspace;

use clap::Parser;
use config::{Cli, Cmd, ServeArgs};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,str0m=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    // Both str0m (DTLS) and rustls (HTTPS) use aws-lc-rs; install it once for the process.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    match cli
        .command
        .unwrap_or_else(|| Cmd::Serve(ServeArgs::default()))
    {
        Cmd::Serve(args) => serve(args).await,
        Cmd::Token(args) => token_cmd::run(&args),
        Cmd::Seed(args) => seed_cmd::run(&args).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let server = serve::Server::bind(args).await?;
    let url = server.url();
    let media = server.media_addr();
    tracing::info!(%url, %media, "govhub is up: open {url}/m/<room-name> in a browser");
    // The one line scripts and tests read to find the ports (stdout, not the log).
    match server.metrics_addr() {
        Some(m) => println!("govhub ready: {url} (media udp {media}) (metrics http://{m}/metrics)"),
        None => println!("govhub ready: {url} (media udp {media})"),
    }
    server
        .run(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
