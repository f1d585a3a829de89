//! The owned list of live tasks: what shutdown cancels and `task::all()`
//! lists. Sharded by task id so spawning from many workers does not
//! serialise on one lock.

use slab::Slab;

use super::raw::RawTask;
use crate::loom::{lock, AtomicUsize, Mutex, Ordering::*};

pub(crate) struct Registry {
    shards: Box<[Mutex<Shard>]>,
    mask: usize,
    live: AtomicUsize,
}

struct Shard {
    tasks: Slab<RawTask>,
    closed: bool,
}

impl Registry {
    pub(crate) fn new(workers: usize) -> Registry {
        let n = (workers * 4).clamp(1, 64).next_power_of_two();
        let shards = (0..n)
            .map(|_| {
                Mutex::new(Shard {
                    tasks: Slab::new(),
                    closed: false,
                })
            })
            .collect();
        Registry {
            shards,
            mask: n - 1,
            live: AtomicUsize::new(0),
        }
    }

    fn shard(&self, task: RawTask) -> &Mutex<Shard> {
        &self.shards[task.header().id.0.get() as usize & self.mask]
    }

    /// Adds a task (taking over one of its references). Returns false when
    /// the registry is closed: the caller must cancel the task and drop
    /// that reference itself.
    pub(crate) fn insert(&self, task: RawTask) -> bool {
        let mut shard = lock(self.shard(task));
        if shard.closed {
            return false;
        }
        let key = shard.tasks.insert(task);
        let key = u32::try_from(key).expect("more than 4 billion live tasks in one registry shard");
        task.header().registry_key.store(key, Relaxed);
        self.live.fetch_add(1, Relaxed);
        true
    }

    /// Removes a task; true when it was here (its reference is the caller's).
    pub(crate) fn remove(&self, task: RawTask) -> bool {
        let mut shard = lock(self.shard(task));
        let key = task.header().registry_key.load(Relaxed) as usize;
        if shard.tasks.get(key) == Some(&task) {
            shard.tasks.remove(key);
            self.live.fetch_sub(1, Relaxed);
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
                let mut s = lock(shard);
                s.closed = true;
                let drained: Vec<RawTask> = s.tasks.drain().collect();
                self.live.fetch_sub(drained.len(), Relaxed);
                drained
            };
            for t in tasks {
                t.cancel();
                t.drop_ref();
            }
        }
    }

    pub(crate) fn live(&self) -> usize {
        self.live.load(Relaxed)
    }

    /// Calls `f` on each live task (under its shard's lock: `f` must not
    /// spawn or complete tasks).
    pub(crate) fn for_each(&self, mut f: impl FnMut(RawTask)) {
        for shard in self.shards.iter() {
            for (_, t) in lock(shard).tasks.iter() {
                f(*t);
            }
        }
    }
}
