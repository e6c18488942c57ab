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
/// each of its calls (a reused buffer, say), with the item's index.
pub(super) fn map_in_step<T, S, R>(
    items: &[T],
    init: impl Fn() -> S + Sync,
    map: impl Fn(&mut S, usize, &T) -> R + Sync,
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
                    let run = (start..end)
                        .map(|i| map(&mut state, i, &items[i]))
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
    fn results_come_in_the_order_of_the_items_and_states_last_a_thread() {
        for len in [0, 1, STEP - 1, STEP, STEP + 1, 1000] {
            let items: Vec<usize> = (0..len).map(|x| x * 3).collect();
            let states = AtomicUsize::new(0);
            // Each result: the item doubled, its index, and how many calls
            // its thread's state had seen before it.
            let results = map_in_step(
                &items,
                || {
                    states.fetch_add(1, Ordering::Relaxed);
                    0usize
                },
                |calls, i, &x| {
                    *calls += 1;
                    (x * 2, i, *calls - 1)
                },
            );
            let doubled: Vec<usize> = results.iter().map(|r| r.0).collect();
            assert_eq!(doubled, (0..len).map(|x| x * 6).collect::<Vec<_>>());
            assert!(results.iter().enumerate().all(|(i, r)| r.1 == i));
            // A state per thread, not per item: the calls it saw add up.
            let made = states.load(Ordering::Relaxed);
            assert!(made <= rayon::current_num_threads());
            let firsts = results.iter().filter(|r| r.2 == 0).count();
            assert!(firsts <= made, "{firsts} first calls, {made} states");
        }
    }
}
