//! The owned list of live tasks: what shutdown cancels and `task::all()`
//! lists.
//!
//! Sharded so that spawning from many workers does not serialise on one
//! lock or one cache line: each shard is a mutex'd slab on cache lines of
//! its own, a task goes into the shard its id picks (consecutive ids, so
//! consecutive spawns, go to different shards), and the live count is each
//! slab's length, summed on read. A task remembers its shard in its
//! registry key, so it is removed from the shard it went into.
//!
//! Inserting into the spawning thread's own shard instead was measured
//! (2026-12-06, `examples/paired.rs`): a spawn loop in one task then shares
//! that one shard's lock with every worker completing its tasks, and
//! `spawn_many` took 1.3× as long as with the shards picked by id.

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

    /// Adds a task (taking over one of its references) to the shard its
    /// id picks. Returns false when the registry is closed: the caller must
    /// cancel the task and drop that reference itself.
    ///
    /// # Panics
    ///
    /// When every shard holds 2^26 live tasks (over four billion in all).
    pub(crate) fn insert(&self, task: RawTask) -> bool {
        let first = task.header().id.0.get() as usize & self.mask;
        // That shard, unless it is full: then the next one.
        for i in 0..self.shards.len() {
            let index = (first + i) & self.mask;
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
    /// A task never inserted still has the key `u32::MAX`, which with 64
    /// shards is also a valid key (shard 63, the last slot): the slot is
    /// compared with the task itself, so it is never taken for another.
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
    fn shards_by_id_and_removal_by_key() {
        let reg = Registry::new(2); // 8 shards
        let tasks: Vec<_> = (0..150)
            .map(|_| new_task(async {}, Drop_, None, true))
            .collect();
        for (n, _) in &tasks {
            assert!(reg.insert(n.raw()));
            let id = n.raw().header().id.0.get() as usize;
            assert_eq!(shard_of(n.raw()), id & 7);
        }
        assert_eq!(reg.live(), 150);
        let mut seen = 0;
        reg.for_each(|_| seen += 1);
        assert_eq!(seen, 150);
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
    }
}
