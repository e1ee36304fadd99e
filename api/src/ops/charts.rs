//! Throughput and failure charts as inline SVG: one bar per bucket, finished attempts
//! above the axis and failed ones below it, so both read on one scale without script.

use chrono::{DateTime, Utc};
use jobs::series::{Counter, Range};
use jobs::{QueueClient, QueueError, queues};
use maud::{Markup, html};

/// Both counters of every queue over `range`, summed per bucket.
pub async fn totals(client: &QueueClient, range: Range) -> Result<(Vec<u64>, Vec<u64>), QueueError> {
    let n = range.buckets().1;
    let (mut done, mut failed) = (vec![0u64; n], vec![0u64; n]);
    for q in queues::ALL {
        for (sum, counter) in [(&mut done, Counter::Done), (&mut failed, Counter::Failed)] {
            for (acc, c) in sum.iter_mut().zip(client.series(q, counter, range).await?) {
                *acc += c;
            }
        }
    }
    Ok((done, failed))
}

const W: f64 = 600.0;
const H: f64 = 60.0;

/// The chart of `done` (up) and `failed` (down) over `range`, ending at `now`.
pub fn chart(range: Range, done: &[u64], failed: &[u64], now: DateTime<Utc>) -> Markup {
    let n = done.len().max(1);
    let peak = done.iter().chain(failed).copied().max().unwrap_or(0).max(1) as f64;
    let bar = W / n as f64;
    let height = |v: u64| (v as f64 / peak) * H;
    let (step, _) = range.buckets();
    let label = |i: usize| {
        let back = (n - 1 - i) as i64 * step;
        (now - chrono::Duration::seconds(back))
            .format(if step < 3600 { "%H:%M" } else { "%d %H:00" })
            .to_string()
    };
    html! {
        figure.chart data-range=(range.as_str()) {
            figcaption {
                "Last " (range.as_str()) ": " strong.notice { (done.iter().sum::<u64>()) " done" } ", "
                strong.error { (failed.iter().sum::<u64>()) " failed" } " (peak " (peak as u64) " per bucket)"
            }
            svg viewBox=(format!("0 0 {W} {}", 2.0 * H + 2.0)) preserveAspectRatio="none" role="img"
                aria-label=(format!("jobs done and failed per bucket, last {}", range.as_str())) {
                line x1="0" y1=(H + 1.0) x2=(W) y2=(H + 1.0) stroke="#d0d7de" {}
                @for (i, (d, f)) in done.iter().zip(failed).enumerate() {
                    @let x = i as f64 * bar;
                    @if *d > 0 {
                        rect x=(format!("{x:.2}")) y=(format!("{:.2}", H + 1.0 - height(*d))) width=(format!("{:.2}", bar * 0.9))
                            height=(format!("{:.2}", height(*d))) fill="#1a7f37" { title { (label(i)) ": " (d) " done" } }
                    }
                    @if *f > 0 {
                        rect x=(format!("{x:.2}")) y=(format!("{:.2}", H + 1.0)) width=(format!("{:.2}", bar * 0.9))
                            height=(format!("{:.2}", height(*f))) fill="#cf222e" { title { (label(i)) ": " (f) " failed" } }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_peak_and_failures_hang_below_the_axis() {
        let done = vec![0, 5, 10];
        let failed = vec![0, 0, 2];
        let svg = chart(Range::Day, &done, &failed, Utc::now()).into_string();
        assert!(svg.contains("15 done"), "{svg}");
        assert!(svg.contains("2 failed"), "{svg}");
        // Two done bars and one failure bar; an empty bucket draws nothing.
        assert_eq!(svg.matches("fill=\"#1a7f37\"").count(), 2, "{svg}");
        assert_eq!(svg.matches("fill=\"#cf222e\"").count(), 1, "{svg}");
        // The peak bar fills the upper half: from y=1 to the axis at y=61.
        assert!(svg.contains("y=\"1.00\" width=\"180.00\" height=\"60.00\""), "{svg}");
        // The failure bar starts at the axis and is a fifth of the peak.
        assert!(svg.contains("y=\"61.00\" width=\"180.00\" height=\"12.00\""), "{svg}");
    }
}
