//! Worker names: unique per process start and queue, so a restarted or killed
//! worker never collides with its previous registration.

use rand::Rng;

/// `{host}-{pid}-{queue}-{rand}`.
pub fn worker_name(queue: &str) -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok().map(|h| h.trim().to_owned()))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    let r: u32 = rand::rng().random();
    format!("{host}-{}-{queue}-{r:08x}", std::process::id())
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_unique_and_carry_queue_and_pid() {
        let a = super::worker_name("scrape");
        let b = super::worker_name("scrape");
        assert_ne!(a, b);
        assert!(a.contains(&format!("-{}-scrape-", std::process::id())), "{a}");
    }
}
