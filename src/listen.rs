//! Listening and serving, shared by every HTTP server of the binary: the API, a
//! worker's metrics, and the fixture site.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use poem::listener::{Acceptor, AcceptorExt, BoxAcceptor, Listener, TcpListener};
use poem::{Endpoint, Server};
use tokio::sync::watch;

/// How long the API's in-flight requests get to finish after a shutdown signal.
pub const API_GRACE: Duration = Duration::from_secs(10);

/// Listens on `bind` (port 0 picks a free one); returns the listener and its address.
pub async fn bind(bind: &str) -> anyhow::Result<(BoxAcceptor, SocketAddr)> {
    let acceptor = TcpListener::bind(bind.to_owned())
        .into_acceptor()
        .await
        .with_context(|| format!("binding {bind}"))?;
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .with_context(|| format!("the listener on {bind} has no address"))?;
    Ok((acceptor.boxed(), addr))
}

/// Serves `app` on `acceptor` in the background until `stop` turns true, then gives
/// in-flight requests `grace` to finish (`None`: as long as they take).
pub fn spawn(
    acceptor: BoxAcceptor,
    app: impl Endpoint + 'static,
    mut stop: watch::Receiver<bool>,
    grace: Option<Duration>,
) -> tokio::task::JoinHandle<std::io::Result<()>> {
    let shutdown = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    tokio::spawn(Server::new_with_acceptor(acceptor).run_with_graceful_shutdown(app, shutdown, grace))
}
