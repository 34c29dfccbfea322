//! The live progress line on stderr during a measured window: one line rewritten in place
//! each second, only when stderr is a terminal (logs and CI output stay clean).

use std::io::{IsTerminal, Write};
use std::time::Duration;

use crate::report::TimelinePoint;

pub(crate) struct Progress {
    label: String,
    participants: usize,
    enabled: bool,
}

impl Progress {
    pub fn new(label: &str, participants: usize) -> Progress {
        Progress {
            label: label.to_owned(),
            participants,
            enabled: std::io::stderr().is_terminal(),
        }
    }

    /// Rewrites the line with the last second's figures.
    pub fn show(&self, elapsed: Duration, total: Duration, p: &TimelinePoint) {
        if !self.enabled {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r{}\x1b[K",
            line(&self.label, self.participants, elapsed, total, p)
        );
        let _ = err.flush();
    }

    /// Ends the line so what follows starts on a fresh one.
    pub fn done(&self) {
        if self.enabled {
            eprintln!();
        }
    }
}

/// `[meeting] ####------ 4/10 s  12 participants  8472 pkt/s  56.9 Mbit/s  loss 0.00% (before RTX 0.10%)  p99 10.3 ms`
fn line(
    label: &str,
    participants: usize,
    elapsed: Duration,
    total: Duration,
    p: &TimelinePoint,
) -> String {
    let frac = (elapsed.as_secs_f64() / total.as_secs_f64().max(1e-3)).clamp(0.0, 1.0);
    let filled = (frac * 20.0).round() as usize;
    let p99 = p
        .latency_us
        .p99
        .map_or("-".to_owned(), |v| format!("{:.1}", f64::from(v) / 1000.0));
    format!(
        "[{label}] {}{} {:.0}/{:.0} s  {participants} participants  {:.0} pkt/s  {:.1} Mbit/s  loss {:.2}% (before RTX {:.2}%)  p99 {p99} ms",
        "#".repeat(filled),
        "-".repeat(20 - filled),
        elapsed.as_secs_f64(),
        total.as_secs_f64(),
        p.packets_per_s,
        p.kbps / 1000.0,
        p.loss_fraction * 100.0,
        p.loss_before_rtx_fraction * 100.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_shows_bar_and_figures() {
        let p = TimelinePoint {
            packets_per_s: 8472.0,
            kbps: 56_900.0,
            loss_fraction: 0.0,
            loss_before_rtx_fraction: 0.001,
            ..Default::default()
        };
        let l = line(
            "meeting",
            12,
            Duration::from_secs(5),
            Duration::from_secs(10),
            &p,
        );
        assert!(l.starts_with("[meeting] ##########----------"), "{l}");
        assert!(
            l.contains("8472 pkt/s") && l.contains("56.9 Mbit/s") && l.contains("before RTX 0.10%"),
            "{l}"
        );
    }
}
