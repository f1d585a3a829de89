//! The owned list of live tasks: what shutdown cancels and `task::all()`
//! lists.
//!
//! Sharded so that spawning from many workers does not serialise on one
//! lock or one cache line: each shard is a mutex'd slab on cache lines of
//! its own, a thread inserts into its *home* shard (a worker's is its
//! index, see [`set_home`]), and the live count is each slab's length,
//! summed on read. A task remembers its shard in its registry key, so it is
//! removed from the shard it went into, whichever thread completes it.

use std::cell::Cell;

use slab::Slab;

use super::raw::RawTask;
use crate::loom::{lock, Mutex, Ordering::*};

/// Most shards (the key keeps the shard in its low [`SHARD_BITS`] bits).
const MAX_SHARDS: usize = 1 << SHARD_BITS;
const SHARD_BITS: u32 = 6;
/// Slab slots a shard can key: the key's remaining bits.
const SLOTS_PER_SHARD: usize = 1 << (32 - SHARD_BITS);

pub(crate) struct Registry {
    shards: Box<[Shard]>,
    mask: usize,
}

/// One shard, alone on its cache lines (two workers' shards never share
/// one).
#[repr(align(128))]
struct Shard(Mutex<Inner>);

struct Inner {
    tasks: Slab<RawTask>,
    closed: bool,
}

thread_local! {
    /// This thread's home shard seed: a worker's index, or for any other
    /// thread a number counted down from `usize::MAX` on first use (so
    /// other threads land on the top shards and workers on the bottom).
    static HOME: Cell<usize> = const { Cell::new(NO_HOME) };
}

const NO_HOME: usize = usize::MAX;

/// Makes `index` this thread's home shard seed (a worker calls this with
/// its index as it starts).
pub(crate) fn set_home(index: usize) {
    HOME.with(|h| h.set(index));
}

fn home() -> usize {
    HOME.with(|h| {
        let v = h.get();
        if v != NO_HOME {
            return v;
        }
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
        let v = usize::MAX - NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        h.set(v);
        v
    })
}

impl Registry {
    pub(crate) fn new(workers: usize) -> Registry {
        let n = (workers * 4).clamp(1, MAX_SHARDS).next_power_of_two();
        let shards = (0..n)
            .map(|_| {
                Shard(Mutex::new(Inner {
                    tasks: Slab::new(),
                    closed: false,
                }))
            })
            .collect();
        Registry {
            shards,
            mask: n - 1,
        }
    }

    /// Adds a task (taking over one of its references) to this thread's
    /// home shard. Returns false when the registry is closed: the caller
    /// must cancel the task and drop that reference itself.
    ///
    /// # Panics
    ///
    /// When every shard holds 2^26 live tasks (over four billion in all).
    pub(crate) fn insert(&self, task: RawTask) -> bool {
        let home = home() & self.mask;
        // The home shard, unless it is full: then the next one.
        for i in 0..self.shards.len() {
            let index = (home + i) & self.mask;
            let mut shard = lock(&self.shards[index].0);
            if shard.closed {
                return false;
            }
            if shard.tasks.vacant_key() >= SLOTS_PER_SHARD {
                continue;
            }
            let slot = shard.tasks.insert(task);
            let key = ((slot << SHARD_BITS) | index) as u32;
            task.header().registry_key.store(key, Relaxed);
            return true;
        }
        panic!("more than four billion live tasks in one runtime");
    }

    /// Removes a task; true when it was here (its reference is the caller's).
    pub(crate) fn remove(&self, task: RawTask) -> bool {
        let key = task.header().registry_key.load(Relaxed) as usize;
        let Some(shard) = self.shards.get(key & (MAX_SHARDS - 1)) else {
            return false;
        };
        let mut shard = lock(&shard.0);
        let slot = key >> SHARD_BITS;
        if shard.tasks.get(slot) == Some(&task) {
            shard.tasks.remove(slot);
            true
        } else {
            false
        }
    }

    /// Closes the registry to new tasks and cancels every task in it,
    /// dropping their futures on this thread.
    pub(crate) fn close_and_cancel_all(&self) {
        for shard in self.shards.iter() {
            let tasks: Vec<RawTask> = {
                let mut s = lock(&shard.0);
                s.closed = true;
                s.tasks.drain().collect()
            };
            for t in tasks {
                t.cancel();
                t.drop_ref();
            }
        }
    }

    /// Tasks in the registry: each shard's count, summed (not one instant).
    pub(crate) fn live(&self) -> usize {
        self.shards.iter().map(|s| lock(&s.0).tasks.len()).sum()
    }

    /// Calls `f` on each live task (under its shard's lock: `f` must not
    /// spawn or complete tasks).
    pub(crate) fn for_each(&self, mut f: impl FnMut(RawTask)) {
        for shard in self.shards.iter() {
            for (_, t) in lock(&shard.0).tasks.iter() {
                f(*t);
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::task::{new_task, Notified};

    struct Drop_;
    impl crate::task::Schedule for Drop_ {
        fn schedule(&self, task: Notified, _yielded: bool) {
            drop(task);
        }
        fn release(&self, _task: RawTask) -> bool {
            false
        }
    }

    fn shard_of(task: RawTask) -> usize {
        task.header().registry_key.load(Relaxed) as usize & (MAX_SHARDS - 1)
    }

    #[test]
    fn a_thread_fills_its_home_shard_and_any_thread_removes() {
        let reg = Registry::new(2); // 8 shards
        let tasks: Vec<_> = (0..150)
            .map(|_| new_task(async {}, Drop_, None, true))
            .collect();
        for (i, (n, _)) in tasks.iter().enumerate() {
            set_home(if i < 100 { 1 } else { 6 });
            assert!(reg.insert(n.raw()));
        }
        let homes: Vec<usize> = tasks.iter().map(|(n, _)| shard_of(n.raw())).collect();
        assert!(homes[..100].iter().all(|&s| s == 1), "{homes:?}");
        assert!(homes[100..].iter().all(|&s| s == 6), "{homes:?}");
        assert_eq!(reg.live(), 150);
        let mut seen = 0;
        reg.for_each(|_| seen += 1);
        assert_eq!(seen, 150);
        // Removal goes by the key, from whatever thread: home 3 now.
        set_home(3);
        for (n, _) in tasks.iter().step_by(2) {
            assert!(reg.remove(n.raw()));
            assert!(!reg.remove(n.raw()), "removed twice");
            n.raw().drop_ref();
        }
        assert_eq!(reg.live(), 75);
        reg.close_and_cancel_all();
        assert_eq!(reg.live(), 0);
        let (late, _h) = new_task(async {}, Drop_, None, true);
        assert!(!reg.insert(late.raw()), "a closed registry refuses");
        late.raw().drop_ref();
        set_home(NO_HOME);
    }

    #[test]
    fn threads_without_a_home_get_distinct_ones_from_the_top() {
        let a = std::thread::spawn(home).join().unwrap();
        let b = std::thread::spawn(home).join().unwrap();
        assert_ne!(a, b);
        assert!(a > usize::MAX / 2 && b > usize::MAX / 2);
    }
}
