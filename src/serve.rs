//! `govhub serve`: bind every port first (so port 0 works and errors come early), then run
//! until Ctrl-C.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum_server::tls_rustls::RustlsConfig;
use sfu::runtime::{MediaConfig, MediaServer};
use signaling::{Signaling, SignalingConfig, TokenIssuer};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;
use tracing::{info, warn};

use crate::config::ServeArgs;
use crate::{metrics, secret, tls, web, workspace};

/// A hub whose sockets are bound and whose state is built; [`Server::run`] serves it.
pub struct Server {
    listener: TcpListener,
    metrics: Option<TcpListener>,
    tls: Option<RustlsConfig>,
    media: MediaServer,
    app: Router,
}

impl Server {
    pub async fn bind(args: ServeArgs) -> anyhow::Result<Server> {
        let secret = secret::load_or_create(&args.data)?;
        let mut media = MediaServer::bind(MediaConfig {
            listen: args.media_listen,
            public_ip: args.media_public_ip,
            fast_path: args.media_fast_path,
        })
        .await
        .with_context(|| format!("binding media UDP {}", args.media_listen))?;
        let events = media.take_events().context("media events already taken")?;
        let config = SignalingConfig {
            dev_mode: args.dev_open_join,
            max_participants: args.max_participants,
            resume_grace: Duration::from_secs(args.resume_grace_secs),
            ..SignalingConfig::default()
        };
        let signaling = Signaling::new(config, TokenIssuer::new(&secret), media.handle(), events);
        let listener = TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("binding HTTP {}", args.listen))?;
        let metrics = match args.metrics_listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding metrics HTTP {addr}"))?,
            ),
            None => None,
        };
        let tls = match (&args.tls_cert, &args.tls_key, args.tls_self_signed) {
            (Some(cert), Some(key), _) => Some(tls::from_files(cert, key).await?),
            (_, _, true) => Some(tls::self_signed(&[args.listen.ip().to_string()]).await?),
            _ => None,
        };
        let api = workspace::open(&args, tls.is_some(), Arc::clone(&signaling)).await?;
        Ok(Server {
            listener,
            metrics,
            tls,
            media,
            app: app(signaling, api),
        })
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Where `GET /metrics` is served, if it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn media_addr(&self) -> SocketAddr {
        self.media.local_addr()
    }

    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.http_addr())
    }

    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        });
        if let Some(listener) = self.metrics {
            let app = metrics::router(self.media.handle());
            let stop = wait_for(stop_rx.clone());
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app)
                    .with_graceful_shutdown(stop)
                    .await
                {
                    warn!(error = %e, "metrics listener stopped");
                }
            });
        }
        let media_stop = wait_for(stop_rx.clone());
        let media = tokio::spawn(self.media.run(media_stop));
        let http_stop = wait_for(stop_rx);
        match self.tls {
            None => axum::serve(
                self.listener,
                self.app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(http_stop)
            .await
            .context("serving HTTP")?,
            Some(tls) => serve_tls(self.listener, tls, self.app, http_stop).await?,
        }
        media
            .await
            .context("media task")?
            .context("media runtime")?;
        info!("govhub stopped");
        Ok(())
    }
}

fn app(signaling: Arc<Signaling>, api: Router) -> Router {
    Router::new()
        .merge(web::router())
        .merge(signaling::router(signaling))
        .merge(api)
        .layer(TraceLayer::new_for_http())
}

async fn wait_for(mut stop: tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}

async fn serve_tls(
    listener: TcpListener,
    tls: RustlsConfig,
    app: Router,
    stop: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let handle = axum_server::Handle::new();
    let closer = handle.clone();
    tokio::spawn(async move {
        stop.await;
        closer.graceful_shutdown(Some(Duration::from_secs(5)));
    });
    let std_listener = listener.into_std().context("TLS listener")?;
    axum_server::from_tcp_rustls(std_listener, tls)?
        .handle(handle)
        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
        .await
        .context("serving HTTPS")
}
