//! The FIFO waiter list every primitive keeps behind its mutex.
//!
//! A doubly linked list threaded through a `Vec` of slots, so that pushing,
//! popping the front and unlinking any waiter are O(1) and need no unsafe
//! code. Each waiter future owns its slot from [`WaitList::push_back`] until
//! it calls [`WaitList::remove`]: a notifier only *unlinks* a slot (and
//! records the outcome in its data) and never frees it, so a key can never
//! be reused behind its owner's back.
//!
//! Two primitives break that rule on purpose, each publishing an atomic
//! that the waiter checks before it would touch its slot: `Semaphore`
//! frees a granted waiter's slot and raises `served` past its ticket, and
//! `Event::set` detaches the whole list and bumps `generation`. Once a
//! waiter sees that, its key means nothing and it must not use it.

use std::task::Waker;

/// Index of the "no slot" link.
const NIL: usize = usize::MAX;

/// Handle to one waiter's slot, held by the waiter future.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key(usize);

#[derive(Debug)]
enum Entry<D> {
    Vacant { next_free: usize },
    Occupied(Slot<D>),
}

#[derive(Debug)]
struct Slot<D> {
    prev: usize,
    next: usize,
    linked: bool,
    waker: Option<Waker>,
    data: D,
}

/// A FIFO of waiters, each with a waker and per-primitive data `D`.
#[derive(Debug)]
pub(crate) struct WaitList<D> {
    entries: Vec<Entry<D>>,
    free: usize,
    head: usize,
    tail: usize,
    linked: usize,
}

impl<D> Default for WaitList<D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<D> WaitList<D> {
    /// An empty list; allocates nothing until the first waiter arrives.
    pub(crate) const fn new() -> Self {
        WaitList {
            entries: Vec::new(),
            free: NIL,
            head: NIL,
            tail: NIL,
            linked: 0,
        }
    }

    /// Number of waiters still queued (linked).
    pub(crate) fn len(&self) -> usize {
        self.linked
    }

    /// No waiter is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.linked == 0
    }

    /// The first queued waiter.
    pub(crate) fn front(&self) -> Option<Key> {
        (self.head != NIL).then_some(Key(self.head))
    }

    fn slot(&self, key: Key) -> &Slot<D> {
        match &self.entries[key.0] {
            Entry::Occupied(s) => s,
            Entry::Vacant { .. } => unreachable!("wait list: stale key"),
        }
    }

    fn slot_mut(&mut self, key: Key) -> &mut Slot<D> {
        match &mut self.entries[key.0] {
            Entry::Occupied(s) => s,
            Entry::Vacant { .. } => unreachable!("wait list: stale key"),
        }
    }

    fn alloc(&mut self, data: D, waker: Waker) -> usize {
        let slot = Slot {
            prev: NIL,
            next: NIL,
            linked: false,
            waker: Some(waker),
            data,
        };
        if self.free != NIL {
            let idx = self.free;
            match self.entries[idx] {
                Entry::Vacant { next_free } => self.free = next_free,
                Entry::Occupied(_) => unreachable!("wait list: free list corrupt"),
            }
            self.entries[idx] = Entry::Occupied(slot);
            idx
        } else {
            self.entries.push(Entry::Occupied(slot));
            self.entries.len() - 1
        }
    }

    /// Queues a new waiter at the back. The caller clones the waker, best
    /// before it takes the lock.
    pub(crate) fn push_back(&mut self, data: D, waker: Waker) -> Key {
        let key = Key(self.alloc(data, waker));
        self.link_back(key);
        key
    }

    /// Re-queues an unlinked waiter at the back.
    fn link_back(&mut self, key: Key) {
        let tail = self.tail;
        let s = self.slot_mut(key);
        debug_assert!(!s.linked);
        s.linked = true;
        s.prev = tail;
        s.next = NIL;
        if tail == NIL {
            self.head = key.0;
        } else {
            self.slot_mut(Key(tail)).next = key.0;
        }
        self.tail = key.0;
        self.linked += 1;
    }

    /// Re-queues an unlinked waiter at the front (a woken waiter that lost
    /// its wake-up to a barging caller keeps its place).
    pub(crate) fn link_front(&mut self, key: Key) {
        let head = self.head;
        let s = self.slot_mut(key);
        debug_assert!(!s.linked);
        s.linked = true;
        s.next = head;
        s.prev = NIL;
        if head == NIL {
            self.tail = key.0;
        } else {
            self.slot_mut(Key(head)).prev = key.0;
        }
        self.head = key.0;
        self.linked += 1;
    }

    /// Takes a waiter out of the queue; its slot stays with its owner.
    fn unlink(&mut self, key: Key) {
        let s = self.slot_mut(key);
        if !s.linked {
            return;
        }
        s.linked = false;
        let (prev, next) = (s.prev, s.next);
        if prev == NIL {
            self.head = next;
        } else {
            self.slot_mut(Key(prev)).next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.slot_mut(Key(next)).prev = prev;
        }
        self.linked -= 1;
    }

    /// Unlinks the first waiter and returns its key.
    pub(crate) fn pop_front(&mut self) -> Option<Key> {
        let key = self.front()?;
        self.unlink(key);
        Some(key)
    }

    /// Whether the waiter is still queued.
    pub(crate) fn is_linked(&self, key: Key) -> bool {
        self.slot(key).linked
    }

    /// Frees the waiter's slot (unlinking it first) and returns its data.
    pub(crate) fn remove(&mut self, key: Key) -> D {
        self.unlink(key);
        let old = std::mem::replace(
            &mut self.entries[key.0],
            Entry::Vacant {
                next_free: self.free,
            },
        );
        self.free = key.0;
        match old {
            Entry::Occupied(s) => s.data,
            Entry::Vacant { .. } => unreachable!("wait list: double remove"),
        }
    }

    /// The waiter's data.
    pub(crate) fn data(&self, key: Key) -> &D {
        &self.slot(key).data
    }

    /// The waiter's data, mutably.
    pub(crate) fn data_mut(&mut self, key: Key) -> &mut D {
        &mut self.slot_mut(key).data
    }

    /// Stores the waker to use next time, cloning only if it changed.
    pub(crate) fn set_waker(&mut self, key: Key, waker: &Waker) {
        let s = self.slot_mut(key);
        match &s.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => s.waker = Some(waker.clone()),
        }
    }

    /// Stores `waker` for the waiter unless an equivalent one is there
    /// already; returns the waker it replaced, for the caller to drop once
    /// the lock is released.
    pub(crate) fn swap_waker(&mut self, key: Key, waker: &Waker) -> Option<Waker> {
        let s = self.slot_mut(key);
        match &s.waker {
            Some(w) if w.will_wake(waker) => None,
            _ => s.waker.replace(waker.clone()),
        }
    }

    /// Takes the waiter's waker, to be woken once the lock is released.
    pub(crate) fn take_waker(&mut self, key: Key) -> Option<Waker> {
        self.slot_mut(key).waker.take()
    }

    /// Unlinks every waiter, letting `f` update its data, and returns their
    /// wakers in queue order.
    pub(crate) fn drain_with(&mut self, mut f: impl FnMut(&mut D)) -> Vec<Waker> {
        let mut wakers = Vec::with_capacity(self.linked);
        while let Some(key) = self.pop_front() {
            let s = self.slot_mut(key);
            f(&mut s.data);
            wakers.extend(s.waker.take());
        }
        wakers
    }

    /// Moves every waiter out into a detached list in O(1), leaving this one
    /// empty. Only for primitives whose waiters can tell, without their
    /// slot, that this happened (see `Event`): their keys mean nothing in
    /// either list afterwards.
    pub(crate) fn detach(&mut self) -> WaitList<D> {
        std::mem::take(self)
    }

    /// Takes the queued waiters' wakers, front to back, emptying the list
    /// but keeping its allocation (for [`recycle`](Self::recycle)).
    pub(crate) fn drain_wakers(&mut self) -> impl Iterator<Item = Waker> + '_ {
        let mut at = self.head;
        self.head = NIL;
        self.tail = NIL;
        self.linked = 0;
        self.free = NIL;
        std::iter::from_fn(move || {
            while at != NIL {
                let Entry::Occupied(s) = &mut self.entries[at] else {
                    unreachable!("wait list: vacant slot linked");
                };
                at = s.next;
                if let Some(w) = s.waker.take() {
                    return Some(w);
                }
            }
            self.entries.clear();
            None
        })
    }

    /// Gives this list the allocation of `spare` (a drained list) if it has
    /// none yet, so that the next waiters do not allocate again.
    pub(crate) fn recycle(&mut self, mut spare: WaitList<D>) {
        if self.entries.capacity() == 0 {
            spare.entries.clear();
            self.entries = spare.entries;
        }
    }

    /// Keys of the queued waiters, front to back.
    #[cfg(test)]
    pub(crate) fn keys(&self) -> Keys<'_, D> {
        Keys {
            list: self,
            at: self.head,
        }
    }
}

/// Iterator over queued keys, front to back.
#[cfg(test)]
pub(crate) struct Keys<'a, D> {
    list: &'a WaitList<D>,
    at: usize,
}

#[cfg(test)]
impl<D> Iterator for Keys<'_, D> {
    type Item = Key;

    fn next(&mut self) -> Option<Key> {
        if self.at == NIL {
            return None;
        }
        let key = Key(self.at);
        self.at = self.list.slot(key).next;
        Some(key)
    }
}

/// Wakers collected under a lock, to be woken once it is released.
///
/// Holds the first waker inline, so the common single wake-up allocates
/// nothing.
#[derive(Default)]
pub(crate) struct Wakers {
    first: Option<Waker>,
    rest: Vec<Waker>,
}

impl Wakers {
    /// An empty set.
    pub(crate) const fn new() -> Self {
        Wakers {
            first: None,
            rest: Vec::new(),
        }
    }

    /// Adds a waker, if there is one.
    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        let Some(w) = waker else { return };
        if self.first.is_none() {
            self.first = Some(w);
        } else {
            self.rest.push(w);
        }
    }

    /// Adds many wakers.
    pub(crate) fn extend(&mut self, wakers: Vec<Waker>) {
        if self.first.is_none() && self.rest.is_empty() {
            self.rest = wakers;
        } else {
            self.rest.extend(wakers);
        }
    }

    /// Wakes them all; call with no lock held.
    pub(crate) fn wake(self) {
        if let Some(w) = self.first {
            w.wake();
        }
        for w in self.rest {
            w.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::task::{Wake, Waker};

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    fn noop() -> Waker {
        Waker::from(Arc::new(Noop))
    }

    fn order(l: &WaitList<u32>) -> Vec<u32> {
        l.keys().map(|k| *l.data(k)).collect()
    }

    #[test]
    fn fifo_push_pop() {
        let w = noop();
        let mut l = WaitList::new();
        let a = l.push_back(1, w.clone());
        let b = l.push_back(2, w.clone());
        let c = l.push_back(3, w.clone());
        assert_eq!(order(&l), vec![1, 2, 3]);
        assert_eq!(l.len(), 3);
        assert_eq!(l.pop_front(), Some(a));
        assert!(!l.is_linked(a));
        assert_eq!(*l.data(a), 1, "popped slot keeps its data");
        assert_eq!(order(&l), vec![2, 3]);
        l.unlink(c);
        assert_eq!(order(&l), vec![2]);
        assert_eq!(l.front(), Some(b));
        l.remove(a);
        l.remove(b);
        l.remove(c);
        assert!(l.is_empty());
        assert_eq!(l.front(), None);
    }

    #[test]
    fn unlink_middle_and_relink() {
        let w = noop();
        let mut l = WaitList::new();
        let keys: Vec<Key> = (0..5).map(|i| l.push_back(i, w.clone())).collect();
        l.unlink(keys[2]);
        l.unlink(keys[2]); // idempotent
        assert_eq!(order(&l), vec![0, 1, 3, 4]);
        l.link_front(keys[2]);
        assert_eq!(order(&l), vec![2, 0, 1, 3, 4]);
        l.unlink(keys[4]);
        l.unlink(keys[2]);
        l.link_back(keys[2]);
        assert_eq!(order(&l), vec![0, 1, 3, 2]);
        assert_eq!(l.len(), 4);
        l.link_back(keys[4]);
        assert_eq!(order(&l), vec![0, 1, 3, 2, 4]);
    }

    #[test]
    fn slots_are_reused_without_aba() {
        let w = noop();
        let mut l = WaitList::new();
        let a = l.push_back(1, w.clone());
        let b = l.push_back(2, w.clone());
        assert_eq!(l.remove(a), 1);
        let c = l.push_back(3, w.clone());
        assert_eq!(c, a, "freed slot reused");
        assert_eq!(order(&l), vec![2, 3]);
        assert_eq!(l.remove(b), 2);
        assert_eq!(l.remove(c), 3);
        assert_eq!(l.entries.len(), 2);
    }

    #[test]
    fn drain_updates_and_collects() {
        let w = noop();
        let mut l = WaitList::new();
        let ks: Vec<Key> = (0..3).map(|i| l.push_back(i, w.clone())).collect();
        let wakers = l.drain_with(|d| *d += 10);
        assert_eq!(wakers.len(), 3);
        assert!(l.is_empty());
        for (i, k) in ks.into_iter().enumerate() {
            assert_eq!(*l.data(k), i as u32 + 10);
            assert!(l.take_waker(k).is_none());
        }
    }

    #[test]
    fn detach_drain_and_recycle() {
        let w = noop();
        let mut l = WaitList::new();
        let ks: Vec<Key> = (0..4).map(|i| l.push_back(i, w.clone())).collect();
        l.remove(ks[1]); // a cancelled waiter
        let mut out = l.detach();
        assert!(l.is_empty());
        assert_eq!(order(&out), vec![0, 2, 3], "detached list keeps the queue");
        assert_eq!(out.drain_wakers().count(), 3);
        assert!(out.is_empty());
        assert_eq!(out.entries.len(), 0);
        let cap = out.entries.capacity();
        assert!(cap >= 4);
        l.recycle(out);
        assert_eq!(l.entries.capacity(), cap, "allocation handed back");
        let k = l.push_back(9, w.clone());
        assert_eq!(order(&l), vec![9]);
        l.remove(k);
        // A list that already allocated keeps its own.
        let mut spare = WaitList::new();
        spare.push_back(1, w.clone());
        spare.drain_wakers().for_each(drop);
        l.recycle(spare);
        assert_eq!(l.entries.capacity(), cap);
    }

    #[test]
    fn set_waker_replaces() {
        let mut l = WaitList::new();
        let k = l.push_back((), noop());
        l.set_waker(k, &noop());
        assert!(l.take_waker(k).is_some());
        assert!(l.take_waker(k).is_none());
        l.set_waker(k, &noop());
        assert!(l.take_waker(k).is_some());
    }
}
