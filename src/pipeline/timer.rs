//! How long each stage of a build took: wall time, and the CPU time of all
//! the process's threads, so a stage that keeps both cores busy is told
//! apart from one that waits (`zhan build --timings`).

use std::time::{Duration, Instant};

/// One stage's times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageTime {
    pub stage: &'static str,
    pub wall: Duration,
    /// None where the system does not say (only Linux does, here).
    pub cpu: Option<Duration>,
}

impl StageTime {
    pub fn new(stage: &'static str, wall: Duration, cpu: Option<Duration>) -> Self {
        StageTime { stage, wall, cpu }
    }
}

/// CPU time used so far by every thread of this process, read from
/// `/proc/self/task/*/schedstat` (nanoseconds, where `/proc/self/stat`
/// counts in ticks of 10 ms: too coarse for stages of a few milliseconds).
/// Threads that have ended are not counted; rayon's workers live as long as
/// the process.
pub fn process_cpu() -> Option<Duration> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let text = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
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

    #[test]
    fn a_busy_stage_counts_its_cpu_and_a_sleeping_one_does_not() {
        let mut timer = Timer::new();
        let until = Instant::now() + Duration::from_millis(40);
        let mut spins = 0u64;
        while Instant::now() < until {
            spins = std::hint::black_box(spins + 1);
        }
        timer.lap("busy");
        std::thread::sleep(Duration::from_millis(40));
        timer.lap("asleep");
        let [busy, asleep] = [timer.timings[0], timer.timings[1]];
        assert!(busy.wall >= Duration::from_millis(40));
        assert!(asleep.wall >= Duration::from_millis(40));
        if cfg!(target_os = "linux") {
            // Other tests run beside this one, so only the asleep lap's
            // CPU is bounded above by what its own thread did: little.
            let busy_cpu = busy.cpu.expect("Linux reports CPU time");
            assert!(busy_cpu >= Duration::from_millis(30), "{busy_cpu:?}");
            assert!(asleep.cpu.is_some());
        } else {
            assert_eq!(busy.cpu, None);
        }
    }
}
