//! How long each stage of a build took: wall time, and the CPU time of all
//! the process's threads, so a stage that keeps both cores busy is told
//! apart from one that waits (`zhan build --timings`). Other stages' work
//! still running on other threads (memory freed in the background) counts
//! in the lap it runs in.

use std::time::{Duration, Instant};

/// One stage's times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageTime {
    pub stage: &'static str,
    pub wall: Duration,
    /// None where the system does not say (outside Unix).
    pub cpu: Option<Duration>,
}

impl StageTime {
    pub fn new(stage: &'static str, wall: Duration, cpu: Option<Duration>) -> Self {
        StageTime { stage, wall, cpu }
    }
}

/// CPU time used so far by this process, all its threads together (those
/// that have ended too), to the nanosecond: `CLOCK_PROCESS_CPUTIME_ID`. None
/// where it is not read (outside Unix).
#[cfg(unix)]
pub fn process_cpu() -> Option<Duration> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec for the call's duration.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    if status != 0 {
        return None;
    }
    let seconds = u64::try_from(now.tv_sec).ok()?;
    let nanos = u32::try_from(now.tv_nsec).ok()?;
    Some(Duration::new(seconds, nanos))
}

#[cfg(not(unix))]
pub fn process_cpu() -> Option<Duration> {
    None
}

/// Laps of a build, each the time since the last.
pub struct Timer {
    started: Instant,
    cpu_started: Option<Duration>,
    pub timings: Vec<StageTime>,
}

impl Timer {
    pub fn new() -> Self {
        Timer {
            started: Instant::now(),
            cpu_started: process_cpu(),
            timings: Vec::new(),
        }
    }

    pub fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        let cpu_now = process_cpu();
        let cpu = match (self.cpu_started, cpu_now) {
            (Some(before), Some(now)) => Some(now.saturating_sub(before)),
            _ => None,
        };
        self.timings
            .push(StageTime::new(stage, now - self.started, cpu));
        self.started = now;
        self.cpu_started = cpu_now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This thread's own CPU time (Linux), read apart from `process_cpu`.
    fn own_cpu() -> Option<Duration> {
        let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        Some(Duration::from_nanos(
            text.split_whitespace().next()?.parse().ok()?,
        ))
    }

    #[test]
    fn a_busy_stage_counts_its_cpu_and_a_sleeping_one_does_not() {
        let mut timer = Timer::new();
        // Busy for 40 ms of this thread's CPU time (not of wall time: other
        // tests share the cores), or of wall time where that is unknown.
        let started = Instant::now();
        let own_start = own_cpu();
        let mut spins = 0u64;
        loop {
            for _ in 0..10_000 {
                spins = std::hint::black_box(spins + 1);
            }
            let done = match (own_start, own_cpu()) {
                (Some(start), Some(now)) => now - start >= Duration::from_millis(40),
                _ => started.elapsed() >= Duration::from_millis(40),
            };
            if done {
                break;
            }
        }
        timer.lap("busy");
        std::thread::sleep(Duration::from_millis(40));
        timer.lap("asleep");
        let [busy, asleep] = [timer.timings[0], timer.timings[1]];
        assert_eq!((busy.stage, asleep.stage), ("busy", "asleep"));
        assert!(busy.wall >= Duration::from_millis(40));
        assert!(asleep.wall >= Duration::from_millis(40));
        assert_eq!(busy.cpu.is_some(), cfg!(unix));
        assert_eq!(asleep.cpu.is_some(), cfg!(unix));
        if let (Some(busy_cpu), Some(_)) = (busy.cpu, own_start) {
            // The process's CPU time holds this thread's 40 ms; other tests'
            // threads only add to it.
            assert!(busy_cpu >= Duration::from_millis(40), "{busy_cpu:?}");
        }
    }
}
