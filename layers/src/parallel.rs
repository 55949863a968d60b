//! Work split over scoped threads, results kept in order: start-up reads
//! (the dataset cache, the journal) that parse independent pieces, and
//! replays that fold each piece as soon as it and all before it are parsed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

/// The threads to use: the machine's parallelism, 1 to 8.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8)
}

/// `f` over `items` on up to `threads` scoped threads (contiguous chunks),
/// the results in the items' order. A panic in `f` is carried on.
pub fn par_map<I: Sync, O: Send>(items: &[I], threads: usize, f: impl Fn(&I) -> O + Sync) -> Vec<O> {
    if items.len() <= 1 || threads <= 1 {
        return items.iter().map(f).collect();
    }
    let per = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let f = &f;
        let handles: Vec<_> = items
            .chunks(per)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<O>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// `f` over `items` on `threads` worker threads, and `each` on the calling
/// thread with every result in the items' order, as soon as it and all
/// before it are ready: the caller's work (a fold that must go in order)
/// overlaps the workers' (parsing the pieces after). The first error of
/// `each` stops it, and the workers take no more items. A panic in `f` is
/// carried on.
pub fn par_each<I: Sync, O: Send, E>(
    items: &[I],
    threads: usize,
    f: impl Fn(&I) -> O + Sync,
    mut each: impl FnMut(O) -> Result<(), E>,
) -> Result<(), E> {
    if items.len() <= 1 || threads <= 1 {
        return items.iter().try_for_each(|i| each(f(i)));
    }
    // Small blocks, so that the fold starts early and no worker is left
    // with a long tail; a block is claimed by whichever worker is free.
    let block = items.len().div_ceil(threads * 32).max(1);
    let blocks = items.len().div_ceil(block);
    let claimed = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (send, receive) = mpsc::channel::<(usize, Vec<O>)>();
        let (f, claimed, stop) = (&f, &claimed, &stop);
        let workers: Vec<_> = (0..threads.min(blocks))
            .map(|_| {
                let send = send.clone();
                scope.spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let start = claimed.fetch_add(1, Ordering::Relaxed) * block;
                        let Some(part) = items.get(start..items.len().min(start + block)) else {
                            break;
                        };
                        let b = start / block;
                        if send.send((b, part.iter().map(f).collect())).is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        drop(send);
        let mut waiting = BTreeMap::new();
        let mut next = 0;
        let mut outcome = Ok(());
        'receive: for (b, results) in &receive {
            waiting.insert(b, results);
            while let Some(results) = waiting.remove(&next) {
                next += 1;
                for r in results {
                    if let Err(e) = each(r) {
                        outcome = Err(e);
                        break 'receive;
                    }
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
        drop(receive);
        for w in workers {
            w.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        }
        outcome
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_the_items_order_whatever_the_threads() {
        let items: Vec<u32> = (0..1001).collect();
        for threads in [1, 2, 3, 8, 2000] {
            assert_eq!(
                par_map(&items, threads, |i| i * 2),
                items.iter().map(|i| i * 2).collect::<Vec<_>>()
            );
        }
        assert!(par_map(&[] as &[u32], 4, |i| *i).is_empty());
    }

    #[test]
    fn each_result_comes_in_the_items_order_whatever_the_threads() {
        let items: Vec<u32> = (0..5001).collect();
        for threads in [1, 2, 3, 8, 2000] {
            let mut seen = Vec::new();
            par_each(
                &items,
                threads,
                |i| i * 2,
                |o| {
                    seen.push(o);
                    Ok::<_, ()>(())
                },
            )
            .unwrap();
            assert_eq!(seen, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        }
        assert_eq!(par_each(&[] as &[u32], 4, |i| *i, |_| Err(())), Ok(()));
    }

    #[test]
    fn each_stops_at_its_first_error_and_the_workers_stop_taking_items() {
        let items: Vec<u32> = (0..100_000).collect();
        let done = AtomicUsize::new(0);
        // The second half waits for the error, so the workers cannot have
        // finished everything before it.
        let errored = AtomicBool::new(false);
        let mut seen = 0;
        let outcome = par_each(
            &items,
            2,
            |i| {
                while *i >= 50_000 && !errored.load(Ordering::Relaxed) {
                    std::thread::yield_now();
                }
                done.fetch_add(1, Ordering::Relaxed);
                *i
            },
            |o| {
                seen += 1;
                if o == 700 {
                    errored.store(true, Ordering::Relaxed);
                    Err(o)
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(outcome, Err(700));
        assert_eq!(seen, 701, "nothing after the error reaches `each`");
        assert!(done.load(Ordering::Relaxed) < items.len(), "the workers stopped early");
    }
}
