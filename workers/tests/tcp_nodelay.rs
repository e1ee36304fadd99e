//! Every TCP socket to PostgreSQL has TCP_NODELAY. Without it, each write that spans
//! two segments (a batch of rows, COPY data) waits ~40 ms for the server's delayed ACK;
//! sqlx 0.9.0 dropped the option, the pool's connect hook (`entities::nodelay`) sets it.
// Test code: a panic is how it reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// The test reads the option back with `getsockopt`, as the module under test sets it.
#![allow(unsafe_code)]

use std::collections::HashSet;

use entities::Engine;
use entities::testing::TestDb;

/// Inodes of this process's TCP sockets whose remote port is `port`.
fn sockets_to(port: u16) -> HashSet<u64> {
    let mut inodes = HashSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else { continue };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let remote_port = fields[2].rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok());
            if remote_port == Some(port) {
                inodes.insert(fields[9].parse().unwrap());
            }
        }
    }
    inodes
}

fn nodelay(fd: i32) -> bool {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `fd` is an open socket of this process (listed under /proc/self/fd) and
    // `value`/`len` are valid for the size given.
    let rc = unsafe {
        libc::getsockopt(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, (&raw mut value).cast(), &raw mut len)
    };
    assert_eq!(rc, 0, "getsockopt on fd {fd}: {}", std::io::Error::last_os_error());
    value != 0
}

#[tokio::test]
async fn postgres_sockets_send_without_delay() {
    let db = TestDb::new(Engine::Postgres).await;
    assert_eq!(db.scalar("SELECT CAST(1 AS BIGINT)").await, 1);
    let url = url::Url::parse(db.url()).unwrap();
    let inodes = sockets_to(url.port().unwrap_or(5432));
    let mut checked = 0;
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Ok(target) = std::fs::read_link(entry.path()) else { continue };
        let target = target.to_string_lossy();
        let Some(inode) = target.strip_prefix("socket:[").and_then(|s| s.strip_suffix(']')) else { continue };
        if inodes.contains(&inode.parse().unwrap()) {
            let fd: i32 = entry.file_name().to_string_lossy().parse().unwrap();
            assert!(nodelay(fd), "socket {fd} to PostgreSQL sends with Nagle's delay");
            checked += 1;
        }
    }
    assert!(checked > 0, "no TCP socket to PostgreSQL found (url {})", db.url());
}
