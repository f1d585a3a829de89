//! The owned list of live tasks: what shutdown cancels and `task::all()`
//! lists.
//!
//! Sharded so that spawning from many workers does not serialise on one
//! lock or one cache line: each shard is a mutex'd slab on cache lines of
//! its own, a task goes into the shard its id picks (consecutive ids, so
//! consecutive spawns, go to different shards), and the live count is each
//! slab's length, summed on read. The task's registry key is its slot in
//! that shard.
//!
//! Inserting into the spawning thread's own shard instead was measured
//! (2026-12-06, `examples/paired.rs`): a spawn loop in one task then shares
//! that one shard's lock with every worker completing its tasks, and
//! `spawn_many` took 1.3× as long as with the shards picked by id.

use slab::Slab;

use super::raw::RawTask;
use crate::loom::{lock, Mutex, Ordering::*};

/// Most shards.
const MAX_SHARDS: usize = 64;

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
    /// When one shard would hold over four billion live tasks.
    pub(crate) fn insert(&self, task: RawTask) -> bool {
        let mut shard = lock(self.shard(task));
        if shard.closed {
            return false;
        }
        let key = shard.tasks.insert(task);
        let key = u32::try_from(key).expect("more than 4 billion live tasks in one registry shard");
        task.header().registry_key.store(key, Relaxed);
        true
    }

    /// Removes a task; true when it was here (its reference is the caller's).
    pub(crate) fn remove(&self, task: RawTask) -> bool {
        let mut shard = lock(self.shard(task));
        let key = task.header().registry_key.load(Relaxed) as usize;
        if shard.tasks.get(key) == Some(&task) {
            shard.tasks.remove(key);
            true
        } else {
            false
        }
    }

    fn shard(&self, task: RawTask) -> &Mutex<Inner> {
        &self.shards[task.header().id.0.get() as usize & self.mask].0
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

    /// The index of the shard whose slab holds `task`.
    fn shard_of(reg: &Registry, task: RawTask) -> usize {
        let key = task.header().registry_key.load(Relaxed) as usize;
        let holding: Vec<usize> = (0..reg.shards.len())
            .filter(|&i| lock(&reg.shards[i].0).tasks.get(key) == Some(&task))
            .collect();
        assert_eq!(holding.len(), 1, "in exactly one shard");
        holding[0]
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
            assert_eq!(shard_of(&reg, n.raw()), id & 7);
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
