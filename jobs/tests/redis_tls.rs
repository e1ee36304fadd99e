//! `rediss://`: the queue works over TLS against a `redis-server` of its own started with
//! `--tls-port` and a throwaway CA made by `openssl`; a server whose certificate chains
//! to no trusted root is refused, and so is a clear-text client on the TLS port.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use jobs::catalogue::Probe;
use jobs::redis_queue::tls::{ClientError, client};
use jobs::redis_queue::{RedisQueues, connect_client};
use jobs::testing::OwnRedis;
use jobs::{EnqueueOptions, Enqueued, Envelope, QueueClient, queues};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).output().expect("openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A CA (`ca.crt`) and a server certificate for 127.0.0.1 signed by it (`server.crt`,
/// `server.key`), valid for a day.
fn throwaway_ca(dir: &Path) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let ca = ["-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=kickoff test CA"];
    openssl(dir, &[&["req", "-x509"], &ec[..], &ca[..]].concat());
    openssl(
        dir,
        &[&["req"], &ec[..], &["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]]
            .concat(),
    );
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "1",
            "-extfile",
            "san.ext",
        ],
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn the_queue_works_over_tls_with_the_configured_ca_and_refuses_an_unknown_one() {
    let dir = tempfile::tempdir().unwrap();
    throwaway_ca(dir.path());
    let tls_port = free_port().to_string();
    let file = |name: &str| dir.path().join(name).display().to_string();
    let (cert, key, ca) = (file("server.crt"), file("server.key"), file("ca.crt"));
    let _server = OwnRedis::start(
        dir.path(),
        &[
            "--save",
            "",
            "--appendonly",
            "no",
            "--tls-port",
            &tls_port,
            "--tls-cert-file",
            &cert,
            "--tls-key-file",
            &key,
            "--tls-ca-cert-file",
            &ca,
            "--tls-auth-clients",
            "no",
        ],
    );
    let url = format!("rediss://127.0.0.1:{tls_port}/0");

    // Trusting the throwaway CA: jobs go in and are counted over TLS.
    let trusted = client(&url, Some(Path::new(&ca))).unwrap();
    let q: QueueClient = RedisQueues::new(connect_client(trusted).await.unwrap(), "tls:").into();
    let envelope = Envelope::new(&Probe { tag: "over tls".into(), ..Default::default() }.into());
    let done = q.enqueue(&envelope, &EnqueueOptions::default()).await.unwrap();
    assert!(matches!(done, Enqueued::Queued { .. }), "{done:?}");
    assert_eq!(q.depth(queues::MAINTENANCE).await.unwrap(), 1);

    // The system's roots alone do not know the CA: the handshake fails.
    let untrusted = client(&url, None).unwrap();
    let Err(refused) = untrusted.get_multiplexed_async_connection().await else {
        panic!("a server whose CA is unknown was trusted");
    };
    assert!(refused.to_string().to_lowercase().contains("certificate"), "{refused}");
    // A CA file for a clear-text URL, and a missing CA file, are configuration errors.
    let plain = client("redis://127.0.0.1:1/0", Some(Path::new(&ca))).unwrap_err();
    assert!(matches!(plain, ClientError::CaWithoutTls), "{plain}");
    let missing = client(&url, Some(&dir.path().join("absent.crt"))).unwrap_err();
    assert!(matches!(missing, ClientError::CaFile { .. }), "{missing}");

    // Clear text on the TLS port gets no answer it can read (the connection, or the
    // first command on it, fails).
    let clear = redis::Client::open(format!("redis://127.0.0.1:{tls_port}/0")).unwrap();
    let answered = match clear.get_multiplexed_async_connection().await {
        Ok(mut conn) => redis::cmd("PING").query_async::<String>(&mut conn).await.is_ok(),
        Err(_) => false,
    };
    assert!(!answered, "a clear-text client got an answer on the TLS port");
}
