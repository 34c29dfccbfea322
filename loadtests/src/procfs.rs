//! Process CPU time and resident memory from Linux `/proc`, and a once-a-second sampler
//! over the hub and the load generator itself. Parsing is separate from reading so it is
//! tested on fixed text.

use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Clock ticks per second, the unit of `utime` and `stime` in `/proc/<pid>/stat`.
pub fn clock_ticks_per_s() -> u64 {
    // SAFETY: sysconf has no preconditions; it only reads a constant of the system.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as u64 } else { 100 }
}

/// `utime + stime` in clock ticks from the text of `/proc/<pid>/stat`.
pub fn parse_stat_cpu_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) is in parentheses and may hold spaces: split after it.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state); utime and stime are fields 14 and 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// `VmRSS` in KiB from the text of `/proc/<pid>/status`.
pub fn parse_status_rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU ticks of a process (`"self"` or a pid), `None` when it cannot be read.
pub fn cpu_ticks(pid: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat_cpu_ticks(&text)
}

/// Resident set size of a process in KiB.
pub fn rss_kib(pid: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_status_rss_kib(&text)
}

/// The 1-minute load average from the text of `/proc/loadavg`.
pub fn parse_loadavg(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

/// The machine's 1-minute load average now.
pub fn load_avg_1m() -> Option<f64> {
    parse_loadavg(&std::fs::read_to_string("/proc/loadavg").ok()?)
}

/// The `cpuN` lines of `/proc/stat`: the machine's online CPUs.
pub fn parse_online_cpus(stat: &str) -> usize {
    stat.lines()
        .filter(|l| {
            l.strip_prefix("cpu")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .count()
}

/// The machine's online CPUs. Not `available_parallelism`: that is this process's affinity,
/// and the generator is meant to run pinned (`taskset -c 1`) while the hub has a core of its
/// own, so it would count 1 where the two share 2.
pub fn machine_cpus() -> usize {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .map(|s| parse_online_cpus(&s))
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// One reading of the hub (when a pid was given) and the generator.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Sample {
    /// Milliseconds since the run started.
    pub t_ms: u64,
    pub hub_cpu_ticks: Option<u64>,
    pub hub_rss_kib: Option<u64>,
    pub gen_cpu_ticks: Option<u64>,
}

/// Samples once a second on its own thread, so an overloaded async runtime in the
/// generator delays the generator's media, not its own measurement.
pub struct Sampler {
    hub_pid: Option<u32>,
    start: Instant,
    samples: Arc<Mutex<Vec<Sample>>>,
    stop: mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Sampler {
    pub fn start(hub_pid: Option<u32>, start: Instant) -> Sampler {
        let samples = Arc::new(Mutex::new(Vec::new()));
        let out = Arc::clone(&samples);
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            loop {
                let s = take(hub_pid, start);
                out.lock().unwrap_or_else(|p| p.into_inner()).push(s);
                match stopped.recv_timeout(Duration::from_secs(1)) {
                    Err(mpsc::RecvTimeoutError::Timeout) => continue,
                    _ => return,
                }
            }
        });
        Sampler {
            hub_pid,
            start,
            samples,
            stop,
            thread,
        }
    }

    /// A reading now (for the edges of the measured window); also kept in the series.
    pub fn now(&self) -> Sample {
        let s = take(self.hub_pid, self.start);
        self.samples
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(s);
        s
    }

    /// The series so far, in time order; sampling goes on.
    pub fn series(&self) -> Vec<Sample> {
        let mut v = self
            .samples
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        v.sort_by_key(|s| s.t_ms);
        v
    }

    /// Stops sampling and returns the series in time order.
    pub fn finish(self) -> Vec<Sample> {
        let _ = self.stop.send(());
        let _ = self.thread.join();
        let mut v = std::mem::take(&mut *self.samples.lock().unwrap_or_else(|p| p.into_inner()));
        v.sort_by_key(|s| s.t_ms);
        v
    }
}

fn take(hub_pid: Option<u32>, start: Instant) -> Sample {
    let hub = hub_pid.map(|p| p.to_string());
    Sample {
        t_ms: start.elapsed().as_millis() as u64,
        hub_cpu_ticks: hub.as_deref().and_then(cpu_ticks),
        hub_rss_kib: hub.as_deref().and_then(rss_kib),
        gen_cpu_ticks: cpu_ticks("self"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_cpus_are_the_cpu_n_lines() {
        let stat = "cpu  10 0 5 100 0 0 0 0 0 0\ncpu0 5 0 2 50 0 0 0 0 0 0\n\
                    cpu1 5 0 3 50 0 0 0 0 0 0\nintr 123\nctxt 456\n";
        assert_eq!(parse_online_cpus(stat), 2);
        assert_eq!(parse_online_cpus("intr 1\n"), 0);
    }

    #[test]
    fn reads_cpu_ticks_past_a_command_name_with_spaces_and_parens() {
        let stat = "4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 500 0 0 0 \
                    1234 567 0 0 20 0 9 0 100 1000000 250 18446744073709551615";
        assert_eq!(parse_stat_cpu_ticks(stat), Some(1234 + 567));
        assert_eq!(parse_stat_cpu_ticks("1 (x) S 1"), None);
        assert_eq!(parse_stat_cpu_ticks("no parens"), None);
    }

    #[test]
    fn reads_load_average() {
        assert_eq!(
            parse_loadavg("16.01 16.36 14.68 9/812 27135\n"),
            Some(16.01)
        );
        assert_eq!(parse_loadavg(""), None);
    }

    #[test]
    fn reads_vm_rss() {
        let status = "Name:\tgovhub\nVmPeak:\t  9000 kB\nVmRSS:\t   12345 kB\nThreads:\t4\n";
        assert_eq!(parse_status_rss_kib(status), Some(12345));
        assert_eq!(parse_status_rss_kib("Name: x\n"), None);
    }

    #[test]
    fn reads_this_process() {
        assert!(cpu_ticks("self").is_some());
        assert!(rss_kib("self").is_some_and(|kib| kib > 0));
    }
}
