//! Parallel maps whose threads move through the list together.
//!
//! Rayon splits a list in halves, so with two threads one works at the
//! start of the page plan and the other in its middle. Neighbouring pages
//! share data (a station's services all show the station; a list page
//! shows the items planned just before it), and two threads far apart
//! keep two sets of it in the shared cache. Here the threads take the
//! next few items in turn, so they work on neighbours.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many items a thread takes at a time: enough to make the shared
/// counter rare, few enough that the threads stay close.
const STEP: usize = 16;

/// `items` mapped by `map` on every thread of the pool, in the order of
/// `items`. Each thread makes its own state with `init` and passes it to
/// each of its calls (a reused buffer, say).
pub(super) fn map_in_step<T, S, R>(
    items: &[T],
    init: impl Fn() -> S + Sync,
    map: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, Vec<R>)>> = Mutex::new(Vec::new());
    // One task a thread, each taking steps until none is left. Unlike a
    // broadcast, a thread busy elsewhere (freeing the last build's site)
    // is not waited for: its task finds nothing left when it starts.
    rayon::scope(|scope| {
        for _ in 0..rayon::current_num_threads() {
            scope.spawn(|_| {
                let mut state = init();
                let mut runs = Vec::new();
                loop {
                    let start = next.fetch_add(STEP, Ordering::Relaxed);
                    if start >= items.len() {
                        break;
                    }
                    let end = (start + STEP).min(items.len());
                    let run = items[start..end]
                        .iter()
                        .map(|item| map(&mut state, item))
                        .collect();
                    runs.push((start, run));
                }
                done.lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .append(&mut runs);
            });
        }
    });
    let mut runs = done
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    runs.sort_unstable_by_key(|(start, _)| *start);
    let mut out = Vec::with_capacity(items.len());
    for (_, run) in runs {
        out.extend(run);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_the_order_of_the_items() {
        for len in [0, 1, STEP - 1, STEP, STEP + 1, 1000] {
            let items: Vec<usize> = (0..len).collect();
            let counted = AtomicUsize::new(0);
            let doubled = map_in_step(
                &items,
                || 0usize,
                |calls, &x| {
                    *calls += 1;
                    counted.fetch_add(1, Ordering::Relaxed);
                    x * 2
                },
            );
            assert_eq!(doubled, (0..len).map(|x| x * 2).collect::<Vec<_>>());
            assert_eq!(counted.load(Ordering::Relaxed), len, "each item once");
        }
    }
}
