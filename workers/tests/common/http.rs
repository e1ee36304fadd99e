//! Local HTTP servers for tests: an app served in the background on a port of 127.0.0.1.

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{IntoEndpoint, Server};

/// Serves `app` on a free port; returns its base URL (`http://127.0.0.1:{port}`).
pub async fn serve(app: impl IntoEndpoint<Endpoint: 'static> + Send + 'static) -> String {
    serve_on(0, app).await
}

/// Serves `app` on `port` (0: a free one); returns its base URL.
pub async fn serve_on(port: u16, app: impl IntoEndpoint<Endpoint: 'static> + Send + 'static) -> String {
    let acceptor = TcpListener::bind(format!("127.0.0.1:{port}")).into_acceptor().await.unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    tokio::spawn(async move { Server::new_with_acceptor(acceptor).run(app).await });
    format!("http://{addr}")
}

/// A port nothing listens on (bound once, then released).
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
