//! The `govhub` command line: one typed struct per subcommand, every flag also readable from a
//! `GOVHUB_*` environment variable, defaults that run on a laptop.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "govhub",
    version,
    about = "govhub: video meetings and joint work for government"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Run the whole hub (the default when no subcommand is given).
    Serve(ServeArgs),
    /// Print a join link for a meeting room (for ops staff and scripts on the server itself).
    Token(TokenArgs),
    /// Fill the workspace database: the demo hub and/or a synthetic benchmark directory.
    Seed(SeedArgs),
}

#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Where the hub keeps its database and secrets.
    #[arg(long, env = "GOVHUB_DATA_DIR", default_value = "govhub-data")]
    pub data_dir: PathBuf,
    /// PostgreSQL URL for the workspace data; without it the hub uses an embedded SQLite
    /// file in the data directory.
    #[arg(long, env = "GOVHUB_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Secret that signs join tokens; by default one is created in the data directory.
    #[arg(long, env = "GOVHUB_TOKEN_SECRET", hide_env_values = true)]
    pub token_secret: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// HTTP(S) + websocket address.
    #[arg(long, env = "GOVHUB_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// UDP address for all WebRTC media.
    #[arg(long, env = "GOVHUB_MEDIA_LISTEN", default_value = "127.0.0.1:50000")]
    pub media_listen: SocketAddr,
    /// Address announced to browsers for media when --media-listen is a wildcard (0.0.0.0).
    #[arg(long, env = "GOVHUB_MEDIA_PUBLIC_IP")]
    pub media_public_ip: Option<IpAddr>,
    /// Forward subscriber RTP by the hub's own send path (`true`) rather than through
    /// str0m's per-peer send queue (`false`; slower, kept for comparison). See
    /// docs/architecture.md.
    #[arg(long, env = "GOVHUB_MEDIA_FAST_PATH", default_value_t = true, action = clap::ArgAction::Set)]
    pub media_fast_path: bool,
    /// Serve `GET /metrics` (Prometheus text: media counters, per-packet residence time in
    /// the hub) on this address; off when unset. Keep it on an operations network.
    #[arg(long, env = "GOVHUB_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Development only: anyone may get a join token for any room at
    /// `POST /api/v1/dev/tokens`, and the meeting page joins without one. Off by default:
    /// joining then needs a token from a meeting, a guest link or `govhub token`.
    #[arg(long, env = "GOVHUB_DEV_OPEN_JOIN")]
    pub dev_open_join: bool,
    /// Password of the first administrator (`admin`) on a hub with no accounts yet. Without
    /// it the demo hub's is `govhub-demo-admin` and any other hub's a random one printed
    /// once in the log.
    #[arg(long, env = "GOVHUB_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// Fill a new hub (no accounts yet) with the demo: agencies, units, people and demo
    /// sign-ins (see the README). Set `--demo false` for a real deployment.
    #[arg(long, env = "GOVHUB_DEMO", default_value_t = true, action = clap::ArgAction::Set)]
    pub demo: bool,
    /// Most participants in one meeting room.
    #[arg(long, env = "GOVHUB_MAX_PARTICIPANTS", default_value_t = 100)]
    pub max_participants: usize,
    /// Seconds a participant whose websocket dropped keeps the seat.
    #[arg(long, env = "GOVHUB_RESUME_GRACE_SECS", default_value_t = 10)]
    pub resume_grace_secs: u64,
    /// PEM certificate chain: serve HTTPS (browsers allow cameras beyond loopback only on HTTPS).
    #[arg(long, env = "GOVHUB_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, env = "GOVHUB_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate made at start (for trials on a LAN).
    #[arg(long, env = "GOVHUB_TLS_SELF_SIGNED", conflicts_with = "tls_cert")]
    pub tls_self_signed: bool,
    /// TOML file of OpenID Connect identity providers offered at sign-in (`[[provider]]`
    /// tables; see docs/api.md). It holds client secrets: keep it readable by the hub only.
    #[arg(long, env = "GOVHUB_OIDC_CONFIG")]
    pub oidc_config: Option<PathBuf>,
}

impl Default for ServeArgs {
    fn default() -> Self {
        // The same defaults as the flags: `govhub` with no subcommand serves.
        let cli = Cli::parse_from(["govhub", "serve"]);
        match cli.command {
            Some(Cmd::Serve(args)) => args,
            _ => unreachable!("`serve` parses to Cmd::Serve"),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// The meeting room's name, as in /m/<room>.
    pub room: String,
    /// Display name carried by the token.
    #[arg(long)]
    pub name: Option<String>,
    /// Seconds the token stays valid.
    #[arg(long, default_value_t = 3600)]
    pub ttl_secs: u64,
    /// The hub's address as users reach it.
    #[arg(
        long,
        env = "GOVHUB_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub base_url: String,
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).multiple(true).args(["demo", "employees"])))]
pub struct SeedArgs {
    /// The demo: ten central agencies, their units, people, positions and grades, and demo
    /// accounts (password `govhub-demo`). Running it again adds nothing.
    #[arg(long)]
    pub demo: bool,
    /// Add this many synthetic people (the search benchmark's directory), on top of the
    /// demo's agencies; each run adds more.
    #[arg(long, value_name = "N")]
    pub employees: Option<usize>,
    /// Add the demo even though the hub holds agencies that are not the demo's.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub data: DataArgs,
}
