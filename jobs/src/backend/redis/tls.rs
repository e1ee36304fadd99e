//! Clients of the Redis server: `redis://` in the clear, `rediss://` over TLS (rustls),
//! checking the server's certificate against the system's roots, or against the CA of
//! `[queue] tls_ca_file` alone when set (a private CA, as managed Redis services and
//! self-hosted TLS use: the system's roots are then not consulted).

use std::path::Path;

/// Why no client could be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("reading the queue's TLS CA file {path}: {source}")]
    CaFile { path: String, source: std::io::Error },
    #[error("queue.tls_ca_file is set but queue.url is not rediss://")]
    CaWithoutTls,
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
}

/// A client of the server at `url`; with `ca_file`, a `rediss://` server's certificate
/// must chain to that CA (PEM) instead of the system's roots.
pub fn client(url: &str, ca_file: Option<&Path>) -> Result<redis::Client, ClientError> {
    let Some(path) = ca_file else {
        return Ok(redis::Client::open(url)?);
    };
    if !url.starts_with("rediss://") {
        return Err(ClientError::CaWithoutTls);
    }
    let root_cert = std::fs::read(path)
        .map_err(|source| ClientError::CaFile { path: path.display().to_string(), source })?;
    let certs = redis::TlsCertificates { client_tls: None, root_cert: Some(root_cert) };
    Ok(redis::Client::build_with_tls(url, certs)?)
}
