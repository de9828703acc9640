//! How busy the machine is. Before each row the harness waits, for a bounded time, for
//! the other programs on the machine to leave the CPUs idle, and reports how busy they
//! were next to the row: a row measured on a busy machine must say so.
//!
//! Linux only (`/proc/stat`, `/proc/loadavg`); elsewhere there is no figure and no wait.

use crate::Load;
use std::time::{Duration, Instant};

/// The share of the machine other programs may use while a row starts: above it the
/// harness waits (boundedly) for them to finish.
pub const QUIET: f64 = 0.2;

/// How long one look at the CPUs lasts.
pub const LOOK: Duration = Duration::from_millis(250);

// ANCHOR: wait_for_quiet
/// Waits, at most `limit`, until other programs keep less than [`QUIET`] of all CPUs
/// busy (this process is idle meanwhile, so whatever runs is someone else), then
/// returns the load: the 1-minute load average and the share of the CPUs they used
/// in the last look.
pub fn wait_for_quiet(limit: Duration) -> Load {
    let deadline = Instant::now() + limit;
    loop {
        let busy = busy_over(LOOK);
        if busy.is_none_or(|b| b < QUIET) || Instant::now() >= deadline {
            return Load {
                average: load_average(),
                busy,
            };
        }
    }
}
// ANCHOR_END: wait_for_quiet

/// The share of all CPUs (0 to 1) that was busy over the next `window`, from the
/// kernel's counters of time spent per state.
pub fn busy_over(window: Duration) -> Option<f64> {
    let before = cpu_times()?;
    std::thread::sleep(window);
    let after = cpu_times()?;
    let (busy, total) = (after.0 - before.0, after.1 - before.1);
    (total > 0).then(|| busy as f64 / total as f64)
}

/// (busy, total) clock ticks of all CPUs since boot: the first line of `/proc/stat`
/// (`cpu user nice system idle iowait irq softirq steal ...`); idle and iowait are
/// not busy.
fn cpu_times() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    parse_cpu_line(stat.lines().next()?)
}

fn parse_cpu_line(line: &str) -> Option<(u64, u64)> {
    let mut fields = line.split_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let ticks: Vec<u64> = fields
        .take(8)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    let total: u64 = ticks.iter().sum();
    let idle = ticks.get(3)? + ticks.get(4).unwrap_or(&0);
    Some((total - idle, total))
}

/// The 1-minute load average: how many threads, on average, were running or waiting
/// for a CPU over the last minute (more than the number of CPUs: a queue).
pub fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_line_is_read() {
        let line = "cpu  100 0 50 800 50 0 0 0 0 0";
        assert_eq!(parse_cpu_line(line), Some((150, 1000)));
        assert_eq!(parse_cpu_line("cpu0 1 2 3 4"), None);
        assert_eq!(parse_cpu_line("cpu x"), None);
    }

    #[test]
    fn figures_are_shares_where_there_are_any() {
        if cfg!(target_os = "linux") {
            let busy = busy_over(Duration::from_millis(20)).unwrap();
            assert!((0.0..=1.0).contains(&busy), "{busy}");
            assert!(load_average().unwrap() >= 0.0);
        }
        // A zero limit looks once and returns.
        let load = wait_for_quiet(Duration::ZERO);
        assert_eq!(load.average.is_some(), cfg!(target_os = "linux"));
    }
}
