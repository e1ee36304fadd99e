//! TCP_NODELAY on the sockets of PostgreSQL connections.
//!
//! sqlx 0.9.0 opens its TCP sockets without TCP_NODELAY (upstream issue
//! transact-rs/sqlx#4335), so every write that spans two segments (a batch of rows, COPY
//! data) waits for the server's delayed ACK: about 40 ms each time. sqlx gives no access
//! to its socket, so after each connect the pool sets the option on this process's TCP
//! sockets to the server's port that lack it. Once a sqlx release sets it again, every
//! socket already has it and this changes nothing.
//!
//! The one module of Kickoff with `unsafe`: `getpeername` and `setsockopt` on raw file
//! descriptors, each call's invariants stated beside it.
#![allow(unsafe_code)]

/// Sets TCP_NODELAY on each of this process's TCP sockets whose remote port is `port`
/// and that lack it; returns how many it set. Only sockets connected to that port are
/// touched: in this process, those are database connections.
#[cfg(target_os = "linux")]
pub fn enable_for_peer_port(port: u16) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else { return 0 };
    let mut set = 0;
    for entry in dir.flatten() {
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|t| t.as_os_str().to_string_lossy().starts_with("socket:"));
        let fd = entry.file_name().to_str().and_then(|n| n.parse::<libc::c_int>().ok());
        if let (true, Some(fd)) = (is_socket, fd)
            && sys::peer_port(fd) == Some(port)
            && sys::nodelay(fd) == Some(false)
            && sys::set_nodelay(fd)
        {
            set += 1;
        }
    }
    set
}

/// Elsewhere sockets keep sqlx's options.
#[cfg(not(target_os = "linux"))]
pub fn enable_for_peer_port(_port: u16) -> usize {
    0
}

/// The socket calls. Each takes a descriptor number that may have been closed (or
/// reused) since it was listed: the kernel then answers EBADF or ENOTSOCK, or describes
/// the new socket, which the peer-port check filters like any other.
#[cfg(target_os = "linux")]
mod sys {
    use std::mem::size_of;

    use libc::{c_int, socklen_t};

    /// The remote port of a connected IPv4 or IPv6 socket.
    pub fn peer_port(fd: c_int) -> Option<u16> {
        // SAFETY: sockaddr_storage is plain data, valid when zeroed.
        let mut addr: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        let mut len = size_of::<libc::sockaddr_storage>() as socklen_t;
        // SAFETY: `addr` and `len` are valid for writes of the size given.
        let rc = unsafe { libc::getpeername(fd, (&raw mut addr).cast(), &raw mut len) };
        if rc != 0 {
            return None;
        }
        match c_int::from(addr.ss_family) {
            libc::AF_INET => {
                // SAFETY: the family says the storage holds a sockaddr_in, which it can hold.
                let v4 = unsafe { &*(&raw const addr).cast::<libc::sockaddr_in>() };
                Some(u16::from_be(v4.sin_port))
            }
            libc::AF_INET6 => {
                // SAFETY: as above, for sockaddr_in6.
                let v6 = unsafe { &*(&raw const addr).cast::<libc::sockaddr_in6>() };
                Some(u16::from_be(v6.sin6_port))
            }
            _ => None,
        }
    }

    /// Whether TCP_NODELAY is set; `None` when the descriptor is not a TCP socket.
    pub fn nodelay(fd: c_int) -> Option<bool> {
        let mut value: c_int = 0;
        let mut len = size_of::<c_int>() as socklen_t;
        // SAFETY: `value` and `len` are valid for writes of the size given.
        let rc = unsafe {
            libc::getsockopt(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, (&raw mut value).cast(), &raw mut len)
        };
        (rc == 0).then_some(value != 0)
    }

    pub fn set_nodelay(fd: c_int) -> bool {
        let one: c_int = 1;
        // SAFETY: `one` is valid for reads of the size given.
        let rc = unsafe {
            libc::setsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_NODELAY,
                (&raw const one).cast(),
                size_of::<c_int>() as socklen_t,
            )
        };
        rc == 0
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::net::{TcpListener, TcpStream};

    use super::*;

    #[test]
    fn sets_the_option_on_sockets_to_the_port_only() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let other = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let to_port = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let to_other = TcpStream::connect(other.local_addr().unwrap()).unwrap();
        assert!(!to_port.nodelay().unwrap() && !to_other.nodelay().unwrap());

        assert_eq!(enable_for_peer_port(port), 1);
        assert!(to_port.nodelay().unwrap());
        assert!(!to_other.nodelay().unwrap(), "a socket to another port was changed");
        // Already set: nothing left to do.
        assert_eq!(enable_for_peer_port(port), 0);
    }
}
