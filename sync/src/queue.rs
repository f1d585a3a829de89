//! `Queue`, `LifoQueue` and `PriorityQueue`: bounded or unbounded queues
//! that tasks await and threads block on, with `task_done`/`join` and
//! Python 3.13's `shutdown`.
//!
//! All three are [`GenericQueue`] with a different [`QueueKind`]; the
//! aliases are the names to use.
//!
//! # Wake discipline
//!
//! As in asyncio, callers may barge: `put_nowait`/`get_nowait` can take a
//! slot or item meant for a waiter that was woken but has not run yet. That
//! waiter re-checks, and queues again at the front. Nothing is lost or
//! duplicated either way, and a woken waiter that is dropped passes its
//! wake-up on to the next one.
//!
//! Waiters are woken one at a time: while a woken getter (putter) has not
//! run yet, further items (free slots) wake nobody else; when it runs and
//! there is still an item (a slot), it wakes the next one. Waking one per
//! item instead mostly produces wake-ups that find their item already
//! taken by a running caller, which costs a context switch each.
//!
//! # User code and the lock
//!
//! Wakers are woken, and wakers taken out of a waiter list are dropped,
//! only after the lock is released (dropping a waker can run anything, even
//! code that uses this queue), and items are dropped outside it too. The
//! one piece of user code that must run under the lock is a
//! [`PriorityQueue`]'s `Ord::cmp`: its heap finds where an item goes (or
//! which item comes out) with comparisons only, before anything changes,
//! so a panicking `cmp` leaves the queue exactly as it was.

use std::cmp::Ordering;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::blocking::{block_on, deadline_after};
use crate::loom::{lock, Mutex, MutexGuard};
use crate::wait_list::{Key, WaitList, Wakers};

mod sealed {
    #[allow(unreachable_pub)]
    pub trait Sealed {}

    /// The binary min-heap behind [`PriorityQueue`](super::PriorityQueue).
    ///
    /// Unlike `BinaryHeap`, each operation is split in two: a *plan* that
    /// only compares (and so is the only part that runs the items' `Ord`,
    /// which may panic) and a *commit* that only moves items. A panic in the
    /// plan leaves the heap untouched; `BinaryHeap` would keep a pushed
    /// item, or drop a popped one, if `cmp` panicked mid-way.
    #[allow(unreachable_pub)]
    #[derive(Debug)]
    pub struct Heap<T>(pub(super) Vec<T>);

    impl<T> Default for Heap<T> {
        fn default() -> Self {
            Heap(Vec::new())
        }
    }
}

use sealed::Heap;

/// The storage order of a [`GenericQueue`]: [`Fifo`], [`Lifo`] or
/// [`Priority`]. Sealed.
pub trait QueueKind<T>: sealed::Sealed {
    /// The collection holding the items.
    #[doc(hidden)]
    type Store: Default;
    /// Where `item` would go. The only step that may run user code (and
    /// panic); changes nothing.
    #[doc(hidden)]
    fn plan_push(store: &Self::Store, item: &T) -> usize;
    /// Stores `item` where [`plan_push`](Self::plan_push), on the same,
    /// unchanged store, said. Runs no user code.
    #[doc(hidden)]
    fn push(store: &mut Self::Store, item: T, plan: usize);
    /// How the next item would be taken out (store not empty). The only
    /// step that may run user code (and panic); changes nothing.
    #[doc(hidden)]
    fn plan_pop(store: &Self::Store) -> usize;
    /// Takes the next item out as [`plan_pop`](Self::plan_pop), on the
    /// same, unchanged store, said. Runs no user code.
    #[doc(hidden)]
    fn pop(store: &mut Self::Store, plan: usize) -> Option<T>;
    #[doc(hidden)]
    fn len(store: &Self::Store) -> usize;
}

/// First in, first out ([`Queue`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Fifo;

/// Last in, first out ([`LifoQueue`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Lifo;

/// Smallest first, like Python's `heapq`-based `PriorityQueue`
/// ([`PriorityQueue`]); wrap items in [`std::cmp::Reverse`] for largest
/// first.
#[derive(Debug, Clone, Copy, Default)]
pub struct Priority;

impl sealed::Sealed for Fifo {}
impl sealed::Sealed for Lifo {}
impl sealed::Sealed for Priority {}

impl<T> QueueKind<T> for Fifo {
    type Store = VecDeque<T>;
    fn plan_push(_: &VecDeque<T>, _: &T) -> usize {
        0
    }
    fn push(s: &mut VecDeque<T>, item: T, _: usize) {
        s.push_back(item);
    }
    fn plan_pop(_: &VecDeque<T>) -> usize {
        0
    }
    fn pop(s: &mut VecDeque<T>, _: usize) -> Option<T> {
        s.pop_front()
    }
    fn len(s: &VecDeque<T>) -> usize {
        s.len()
    }
}

impl<T> QueueKind<T> for Lifo {
    type Store = Vec<T>;
    fn plan_push(_: &Vec<T>, _: &T) -> usize {
        0
    }
    fn push(s: &mut Vec<T>, item: T, _: usize) {
        s.push(item);
    }
    fn plan_pop(_: &Vec<T>) -> usize {
        0
    }
    fn pop(s: &mut Vec<T>, _: usize) -> Option<T> {
        s.pop()
    }
    fn len(s: &Vec<T>) -> usize {
        s.len()
    }
}

/// The plan is the index the new item (on push) or the last item (moved
/// up to fill the root's place, on pop) settles at; only the items on the
/// path from the root to that index move, and that path follows from the
/// index alone.
impl<T: Ord> QueueKind<T> for Priority {
    type Store = Heap<T>;

    fn plan_push(s: &Heap<T>, item: &T) -> usize {
        // Sift up from the new leaf while the item is smaller than the parent.
        let h = &s.0;
        let mut at = h.len();
        while at > 0 {
            let parent = (at - 1) / 2;
            if item.cmp(&h[parent]) != Ordering::Less {
                break;
            }
            at = parent;
        }
        at
    }

    fn push(s: &mut Heap<T>, item: T, at: usize) {
        let h = &mut s.0;
        let mut hole = h.len();
        h.push(item);
        // Each ancestor on the way moves down one level.
        while hole > at {
            let parent = (hole - 1) / 2;
            h.swap(hole, parent);
            hole = parent;
        }
    }

    fn plan_pop(s: &Heap<T>) -> usize {
        // The last item takes the root's place and sinks towards the smaller
        // child while that child is smaller; the heap it sinks in is the
        // current one without that last slot. Only children of the sinking
        // slot are compared, and none of them has moved yet.
        let h = &s.0;
        let Some(end) = h.len().checked_sub(1) else {
            return 0;
        };
        let last = &h[end];
        let mut at = 0;
        loop {
            let left = 2 * at + 1;
            if left >= end {
                break;
            }
            let right = left + 1;
            let child = if right < end && h[right].cmp(&h[left]) == Ordering::Less {
                right
            } else {
                left
            };
            if h[child].cmp(last) != Ordering::Less {
                break;
            }
            at = child;
        }
        at
    }

    fn pop(s: &mut Heap<T>, at: usize) -> Option<T> {
        let h = &mut s.0;
        let last = h.pop()?;
        if h.is_empty() {
            return Some(last);
        }
        let top = std::mem::replace(&mut h[0], last);
        // Walk from the root down to `at`: below the leading 1 bit, the bits
        // of `at + 1` spell the path (0 = left, 1 = right). Each child on it
        // moves up one level as the last item sinks past it.
        let path = at + 1;
        let depth = usize::BITS - 1 - path.leading_zeros();
        let mut hole = 0;
        for level in (0..depth).rev() {
            let child = 2 * hole + 1 + ((path >> level) & 1);
            h.swap(hole, child);
            hole = child;
        }
        debug_assert_eq!(hole, at);
        Some(top)
    }

    fn len(s: &Heap<T>) -> usize {
        s.0.len()
    }
}

/// A FIFO queue (asyncio's / threading's `Queue`).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use myrt_sync::Queue;
///
/// let q = Arc::new(Queue::new(2));
/// let producer = {
///     let q = q.clone();
///     std::thread::spawn(move || {
///         for i in 0..5 {
///             q.blocking_put(i).unwrap();
///         }
///     })
/// };
/// let got: Vec<i32> = (0..5).map(|_| q.blocking_get().unwrap()).collect();
/// producer.join().unwrap();
/// assert_eq!(got, [0, 1, 2, 3, 4]);
///
/// async fn worker(q: &Queue<i32>) {
///     while let Ok(item) = q.get().await {
///         println!("{item}");
///         q.task_done().unwrap();
///     }
/// }
/// ```
pub type Queue<T> = GenericQueue<T, Fifo>;

/// A LIFO queue (asyncio's `LifoQueue`): the last item put is got first.
///
/// # Examples
///
/// ```
/// use myrt_sync::LifoQueue;
///
/// let q = LifoQueue::new(0);
/// q.put_nowait(1).unwrap();
/// q.put_nowait(2).unwrap();
/// assert_eq!(q.get_nowait(), Ok(2));
/// ```
pub type LifoQueue<T> = GenericQueue<T, Lifo>;

/// A priority queue (asyncio's `PriorityQueue`): the smallest item is got
/// first.
///
/// # Panics
///
/// If the items' `Ord::cmp` panics in a put or a get, the panic reaches the
/// caller and the queue is left as it was: the put did not put (the item is
/// dropped, outside the queue's lock), the get took nothing. `qsize`,
/// `unfinished_tasks`, `task_done` and `join` stay consistent, and a woken
/// waiter whose poll panicked passes its wake-up on when its future is
/// dropped, so the queue stays usable.
///
/// # Examples
///
/// ```
/// use myrt_sync::PriorityQueue;
///
/// let q = PriorityQueue::new(0);
/// for (prio, job) in [(3, "c"), (1, "a"), (2, "b")] {
///     q.put_nowait((prio, job)).unwrap();
/// }
/// assert_eq!(q.get_nowait(), Ok((1, "a")));
/// ```
pub type PriorityQueue<T> = GenericQueue<T, Priority>;

/// The queue behind [`Queue`], [`LifoQueue`] and [`PriorityQueue`].
pub struct GenericQueue<T, K: QueueKind<T>> {
    maxsize: usize,
    inner: Mutex<Inner<T, K>>,
}

struct Inner<T, K: QueueKind<T>> {
    items: K::Store,
    unfinished: usize,
    shutdown: bool,
    getters: Waiters,
    putters: Waiters,
    /// Each joiner's data says whether it was woken.
    joiners: WaitList<bool>,
    _kind: PhantomData<K>,
}

impl<T, K: QueueKind<T>> Inner<T, K> {
    fn len(&self) -> usize {
        K::len(&self.items)
    }

    fn full(&self, maxsize: usize) -> bool {
        maxsize > 0 && self.len() >= maxsize
    }

    /// Where `item` goes. May panic (a priority queue's `Ord`), so callers
    /// plan before they change anything, and keep `item` out of this frame
    /// so that a panic drops it only after the lock is released.
    fn plan_push(&self, item: &T) -> usize {
        K::plan_push(&self.items, item)
    }

    /// Stores `item` as planned by [`plan_push`](Self::plan_push); no user
    /// code runs.
    fn push(&mut self, item: T, plan: usize, wakers: &mut Wakers) {
        K::push(&mut self.items, item, plan);
        self.unfinished += 1;
        self.getters.wake_one_if_idle(wakers);
    }

    /// Takes the next item, if any. A panic (a priority queue's `Ord`)
    /// happens before anything changes.
    fn pop(&mut self, wakers: &mut Wakers) -> Option<T> {
        // An empty store plans 0 and pops `None`.
        let plan = K::plan_pop(&self.items);
        let item = K::pop(&mut self.items, plan)?;
        self.putters.wake_one_if_idle(wakers);
        Some(item)
    }
}

/// Getters or putters.
///
/// At most one of them is woken at a time (unless shutdown wakes all): a
/// freed slot or a new item wakes the first waiter only if no woken waiter
/// is still on its way, and a woken waiter that succeeds wakes the next if
/// there is still room (or items). Waking one per item instead makes most
/// wake-ups useless when running callers barge.
#[derive(Default)]
struct Waiters {
    /// Each waiter's data says whether it was woken.
    list: WaitList<bool>,
    /// Waiters woken and not yet run.
    woken: usize,
}

impl Waiters {
    fn new() -> Self {
        Waiters {
            list: WaitList::new(),
            woken: 0,
        }
    }

    /// Wakes the first waiter, unless a woken one has yet to run.
    fn wake_one_if_idle(&mut self, wakers: &mut Wakers) {
        if self.woken > 0 {
            return;
        }
        if let Some(key) = self.list.pop_front() {
            *self.list.data_mut(key) = true;
            self.woken += 1;
            wakers.push(self.list.take_waker(key));
        }
    }

    /// Wakes every waiter.
    fn wake_all(&mut self, wakers: &mut Wakers) {
        let mut n = 0;
        wakers.extend(self.list.drain_with(|w| {
            *w = true;
            n += 1;
        }));
        self.woken += n;
    }

    /// Queues a waiter, or re-queues a woken one at the front. A waker it
    /// replaces goes to `stale`, to be dropped once the lock is released.
    fn enqueue(&mut self, key: &mut Option<Key>, cx: &Context<'_>, stale: &mut Stale) {
        match *key {
            None => *key = Some(self.list.push_back(false, cx.waker().clone())),
            Some(k) => {
                if !self.list.is_linked(k) {
                    if std::mem::replace(self.list.data_mut(k), false) {
                        self.woken -= 1;
                    }
                    self.list.link_front(k);
                }
                replace_waker(&mut self.list, k, cx, stale);
            }
        }
    }

    /// Frees a waiter's slot; returns whether it had been woken. Its waker,
    /// if a wake-up has not taken it, goes to `stale`.
    fn dequeue(&mut self, key: &mut Option<Key>, stale: &mut Stale) -> bool {
        let Some(k) = key.take() else { return false };
        let woken = remove_waiter(&mut self.list, k, stale);
        if woken {
            self.woken -= 1;
        }
        woken
    }
}

/// The one waker a poll or drop may take out of a waiter list (each
/// removes or replaces at most one), held until the lock is released: it is
/// declared before the guard, so it drops after it.
struct Stale(Option<Waker>);

impl Stale {
    fn keep(&mut self, waker: Option<Waker>) {
        debug_assert!(
            self.0.is_none() || waker.is_none(),
            "one stale waker per lock"
        );
        if waker.is_some() {
            self.0 = waker;
        }
    }
}

/// Stores `cx`'s waker for waiter `k` (nothing changes when an equivalent
/// one is there: the common re-poll costs no clone). A waker it replaces
/// goes to `stale`, because dropping a waker under the lock could run
/// anything, even code that takes this lock.
fn replace_waker<D>(list: &mut WaitList<D>, k: Key, cx: &Context<'_>, stale: &mut Stale) {
    stale.keep(list.swap_waker(k, cx.waker()));
}

/// Frees waiter `k`'s slot and returns its data; its waker, if still
/// there, goes to `stale` (to be dropped, not woken, after the lock).
fn remove_waiter<D>(list: &mut WaitList<D>, k: Key, stale: &mut Stale) -> D {
    stale.keep(list.take_waker(k));
    list.remove(k)
}

impl<T, K: QueueKind<T>> GenericQueue<T, K> {
    /// A queue holding at most `maxsize` items; 0 means unbounded (as do
    /// Python's `maxsize <= 0`).
    pub fn new(maxsize: usize) -> Self {
        GenericQueue {
            maxsize,
            inner: Mutex::new(Inner {
                items: K::Store::default(),
                unfinished: 0,
                shutdown: false,
                getters: Waiters::new(),
                putters: Waiters::new(),
                joiners: WaitList::new(),
                _kind: PhantomData,
            }),
        }
    }

    /// An unbounded queue; the same as `new(0)`.
    pub fn unbounded() -> Self {
        Self::new(0)
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T, K>> {
        lock(&self.inner)
    }

    /// The capacity given to [`new`](Self::new) (0 = unbounded).
    pub fn maxsize(&self) -> usize {
        self.maxsize
    }

    /// Number of items in the queue.
    #[doc(alias = "len")]
    pub fn qsize(&self) -> usize {
        self.lock().len()
    }

    /// Whether the queue holds no item.
    #[doc(alias = "is_empty")]
    pub fn empty(&self) -> bool {
        self.qsize() == 0
    }

    /// Whether the queue holds `maxsize` items (never, if unbounded).
    #[doc(alias = "is_full")]
    pub fn full(&self) -> bool {
        self.lock().full(self.maxsize)
    }

    /// Whether [`shutdown`](Self::shutdown) was called.
    pub fn is_shutdown(&self) -> bool {
        self.lock().shutdown
    }

    /// Items put and not yet marked done with [`task_done`](Self::task_done).
    pub fn unfinished_tasks(&self) -> usize {
        self.lock().unfinished
    }

    /// Puts an item without waiting.
    ///
    /// # Errors
    ///
    /// [`PutError::Full`] if the queue is full, [`PutError::ShutDown`] after
    /// [`shutdown`](Self::shutdown); both hand the item back.
    #[doc(alias = "try_put")]
    pub fn put_nowait(&self, item: T) -> Result<(), PutError<T>> {
        let mut wakers = Wakers::new();
        {
            let mut g = self.lock();
            if g.shutdown {
                return Err(PutError::ShutDown(item));
            }
            if g.full(self.maxsize) {
                return Err(PutError::Full(item));
            }
            // If this panics, `item` (an argument) drops after `g`.
            let plan = g.plan_push(&item);
            g.push(item, plan, &mut wakers);
        }
        wakers.wake();
        Ok(())
    }

    /// Takes an item without waiting.
    ///
    /// # Errors
    ///
    /// [`GetError::Empty`] if there is none, [`GetError::ShutDown`] if there
    /// is none and the queue was shut down.
    #[doc(alias = "try_get")]
    pub fn get_nowait(&self) -> Result<T, GetError> {
        let mut wakers = Wakers::new();
        let out = {
            let mut g = self.lock();
            match g.pop(&mut wakers) {
                Some(item) => Ok(item),
                None if g.shutdown => Err(GetError::ShutDown),
                None => Err(GetError::Empty),
            }
        };
        wakers.wake();
        out
    }

    /// Puts an item, waiting for a free slot while the queue is full.
    ///
    /// # Errors
    ///
    /// [`PutError::ShutDown`] with the item if the queue is or gets shut
    /// down first.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped the item was not put (it is
    /// dropped with the future). A dropped putter that had been woken for a
    /// free slot wakes the next putter instead.
    pub fn put(&self, item: T) -> impl Future<Output = Result<(), PutError<T>>> + '_ {
        Put {
            queue: self,
            item: Some(item),
            key: None,
        }
    }

    /// Takes an item, waiting while the queue is empty.
    ///
    /// # Errors
    ///
    /// [`GetError::ShutDown`] once the queue is shut down and empty
    /// (items left by a non-immediate shutdown are still handed out).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: an item is only taken by the poll that returns it, so a
    /// dropped future never loses one. A dropped getter that had been woken
    /// for an item wakes the next getter instead.
    pub fn get(&self) -> impl Future<Output = Result<T, GetError>> + '_ {
        Get {
            queue: self,
            key: None,
        }
    }

    /// Marks one item taken from the queue as processed.
    ///
    /// # Errors
    ///
    /// [`TaskDoneError`] if called more times than items were put (Python's
    /// `ValueError`).
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut wakers = Wakers::new();
        {
            let mut g = self.lock();
            if g.unfinished == 0 {
                return Err(TaskDoneError { _priv: () });
            }
            g.unfinished -= 1;
            if g.unfinished == 0 {
                wakers.extend(g.joiners.drain_with(|w| *w = true));
            }
        }
        wakers.wake();
        Ok(())
    }

    /// Waits until every item put has been marked done with
    /// [`task_done`](Self::task_done); returns at once if none is pending.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped joiner leaves the queue; completion wakes all
    /// joiners, so there is nothing to pass on.
    pub fn join(&self) -> impl Future<Output = ()> + '_ {
        Join {
            queue: self,
            key: None,
        }
    }

    /// Shuts the queue down (Python 3.13): every later or waiting put fails,
    /// handing its item back; gets drain what is left, then fail. With
    /// `immediate`, the items left are dropped at once and counted as done,
    /// so [`join`](Self::join) waits only for items already taken, and
    /// waiting gets fail at once.
    pub fn shutdown(&self, immediate: bool) {
        let mut wakers = Wakers::new();
        let mut dropped = K::Store::default();
        {
            let mut g = self.lock();
            g.shutdown = true;
            if immediate {
                // Taken whole: no item is compared, so no user code runs.
                dropped = std::mem::take(&mut g.items);
                g.unfinished = g.unfinished.saturating_sub(K::len(&dropped));
                if g.unfinished == 0 {
                    wakers.extend(g.joiners.drain_with(|w| *w = true));
                }
            }
            g.getters.wake_all(&mut wakers);
            g.putters.wake_all(&mut wakers);
        }
        wakers.wake();
        // User `Drop` code runs outside our lock.
        drop(dropped);
    }

    /// [`put`](Self::put) from a plain thread: blocks while the queue is
    /// full (Python `put(item)`).
    ///
    /// # Errors
    ///
    /// [`PutError::ShutDown`] on shutdown, handing the item back.
    #[doc(alias = "put")]
    pub fn blocking_put(&self, item: T) -> Result<(), PutError<T>> {
        self.put_deadline(item, None)
    }

    /// [`blocking_put`](Self::blocking_put) for at most `timeout` (Python
    /// `put(item, timeout=…)`). A timeout too large to represent (such as
    /// `Duration::MAX`) waits forever.
    ///
    /// # Errors
    ///
    /// [`PutError::Full`] on timeout, [`PutError::ShutDown`] on shutdown;
    /// both hand the item back.
    #[doc(alias = "put")]
    pub fn blocking_put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
        self.put_deadline(item, deadline_after(timeout))
    }

    fn put_deadline(&self, item: T, deadline: Option<Instant>) -> Result<(), PutError<T>> {
        let mut put = Put {
            queue: self,
            item: Some(item),
            key: None,
        };
        match block_on(&mut put, deadline) {
            Some(r) => r,
            None => Err(PutError::Full(put.item.take().expect("not put"))),
        }
    }

    /// [`get`](Self::get) from a plain thread: blocks while the queue is
    /// empty (Python `get()`).
    ///
    /// # Errors
    ///
    /// [`GetError::ShutDown`] once shut down and empty.
    #[doc(alias = "get")]
    pub fn blocking_get(&self) -> Result<T, GetError> {
        self.get_deadline(None)
    }

    /// [`blocking_get`](Self::blocking_get) for at most `timeout` (Python
    /// `get(timeout=…)`). A timeout too large to represent (such as
    /// `Duration::MAX`) waits forever.
    ///
    /// # Errors
    ///
    /// [`GetError::Empty`] on timeout, [`GetError::ShutDown`] once shut down
    /// and empty.
    #[doc(alias = "get")]
    pub fn blocking_get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        self.get_deadline(deadline_after(timeout))
    }

    fn get_deadline(&self, deadline: Option<Instant>) -> Result<T, GetError> {
        let get = Get {
            queue: self,
            key: None,
        };
        block_on(get, deadline).unwrap_or(Err(GetError::Empty))
    }

    /// [`join`](Self::join) from a plain thread.
    #[doc(alias = "join")]
    pub fn blocking_join(&self) {
        let join = Join {
            queue: self,
            key: None,
        };
        block_on(join, None).expect("no deadline");
    }
}

impl<T, K: QueueKind<T>> Default for GenericQueue<T, K> {
    fn default() -> Self {
        Self::new(0)
    }
}

impl<T, K: QueueKind<T>> fmt::Debug for GenericQueue<T, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = self.lock();
        f.debug_struct("Queue")
            .field("maxsize", &self.maxsize)
            .field("qsize", &g.len())
            .field("unfinished", &g.unfinished)
            .field("shutdown", &g.shutdown)
            .finish()
    }
}

struct Put<'a, T, K: QueueKind<T>> {
    queue: &'a GenericQueue<T, K>,
    item: Option<T>,
    key: Option<Key>,
}

// The item is moved, never pinned.
impl<T, K: QueueKind<T>> Unpin for Put<'_, T, K> {}

impl<T, K: QueueKind<T>> Future for Put<'_, T, K> {
    type Output = Result<(), PutError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        // Declared before the guard, so dropped after it.
        let mut stale = Stale(None);
        let mut wakers = Wakers::new();
        let out = {
            let mut g = this.queue.lock();
            if g.shutdown {
                g.putters.dequeue(&mut this.key, &mut stale);
                let item = this.item.take().expect("Put polled after completion");
                Poll::Ready(Err(PutError::ShutDown(item)))
            } else if !g.full(this.queue.maxsize) {
                let item = this.item.as_ref().expect("Put polled after completion");
                // Planned before anything changes: if it panics, this putter
                // is still queued (and still woken, if it was), the item is
                // still ours, and our `Drop` passes a wake-up on.
                let plan = g.plan_push(item);
                let was_woken = g.putters.dequeue(&mut this.key, &mut stale);
                let item = this.item.take().expect("Put polled after completion");
                g.push(item, plan, &mut wakers);
                if was_woken && !g.full(this.queue.maxsize) {
                    g.putters.wake_one_if_idle(&mut wakers);
                }
                Poll::Ready(Ok(()))
            } else {
                g.putters.enqueue(&mut this.key, cx, &mut stale);
                Poll::Pending
            }
        };
        wakers.wake();
        out
    }
}

impl<T, K: QueueKind<T>> Drop for Put<'_, T, K> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut stale = Stale(None);
        let mut wakers = Wakers::new();
        {
            let mut g = self.queue.lock();
            let woken = g.putters.dequeue(&mut Some(key), &mut stale);
            if woken && !g.shutdown && !g.full(self.queue.maxsize) {
                g.putters.wake_one_if_idle(&mut wakers);
            }
        }
        wakers.wake();
        // `stale` and then `self.item` drop after this, outside the lock.
    }
}

struct Get<'a, T, K: QueueKind<T>> {
    queue: &'a GenericQueue<T, K>,
    key: Option<Key>,
}

impl<T, K: QueueKind<T>> Future for Get<'_, T, K> {
    type Output = Result<T, GetError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        // Declared before the guard, so dropped after it.
        let mut stale = Stale(None);
        let mut wakers = Wakers::new();
        let out = {
            let mut g = this.queue.lock();
            // `pop` comes first: if it panics, nothing has changed and our
            // `Drop` passes a wake-up on.
            if let Some(item) = g.pop(&mut wakers) {
                let was_woken = g.getters.dequeue(&mut this.key, &mut stale);
                if was_woken && g.len() > 0 {
                    g.getters.wake_one_if_idle(&mut wakers);
                }
                Poll::Ready(Ok(item))
            } else if g.shutdown {
                g.getters.dequeue(&mut this.key, &mut stale);
                Poll::Ready(Err(GetError::ShutDown))
            } else {
                g.getters.enqueue(&mut this.key, cx, &mut stale);
                Poll::Pending
            }
        };
        wakers.wake();
        out
    }
}

impl<T, K: QueueKind<T>> Drop for Get<'_, T, K> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut stale = Stale(None);
        let mut wakers = Wakers::new();
        {
            let mut g = self.queue.lock();
            let woken = g.getters.dequeue(&mut Some(key), &mut stale);
            if woken && g.len() > 0 {
                g.getters.wake_one_if_idle(&mut wakers);
            }
        }
        wakers.wake();
    }
}

struct Join<'a, T, K: QueueKind<T>> {
    queue: &'a GenericQueue<T, K>,
    key: Option<Key>,
}

impl<T, K: QueueKind<T>> Future for Join<'_, T, K> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        // Declared before the guard, so dropped after it.
        let mut stale = Stale(None);
        let mut g = this.queue.lock();
        let woken = this.key.is_some_and(|k| *g.joiners.data(k));
        if woken || g.unfinished == 0 {
            if let Some(k) = this.key.take() {
                remove_waiter(&mut g.joiners, k, &mut stale);
            }
            return Poll::Ready(());
        }
        match this.key {
            None => this.key = Some(g.joiners.push_back(false, cx.waker().clone())),
            Some(k) => replace_waker(&mut g.joiners, k, cx, &mut stale),
        }
        Poll::Pending
    }
}

impl<T, K: QueueKind<T>> Drop for Join<'_, T, K> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut stale = Stale(None);
            let mut g = self.queue.lock();
            remove_waiter(&mut g.joiners, key, &mut stale);
            drop(g);
            // `stale` drops here, with the lock released.
        }
    }
}

/// Why a put failed; the item comes back either way.
#[non_exhaustive]
#[derive(Clone, PartialEq, Eq)]
pub enum PutError<T> {
    /// The queue is full (or a blocking put timed out; Python's `QueueFull`).
    Full(T),
    /// The queue was shut down (Python's `QueueShutDown`).
    ShutDown(T),
}

impl<T> PutError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        match self {
            PutError::Full(t) | PutError::ShutDown(t) => t,
        }
    }

    /// Whether the queue was full.
    pub fn is_full(&self) -> bool {
        matches!(self, PutError::Full(_))
    }

    /// Whether the queue was shut down.
    pub fn is_shutdown(&self) -> bool {
        matches!(self, PutError::ShutDown(_))
    }
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => f.write_str("Full(..)"),
            PutError::ShutDown(_) => f.write_str("ShutDown(..)"),
        }
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => f.write_str("queue is full"),
            PutError::ShutDown(_) => f.write_str("queue is shut down"),
        }
    }
}

impl<T> std::error::Error for PutError<T> {}

/// Why a get failed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetError {
    /// No item (or a blocking get timed out; Python's `QueueEmpty`).
    Empty,
    /// No item, and the queue was shut down (Python's `QueueShutDown`).
    ShutDown,
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetError::Empty => f.write_str("queue is empty"),
            GetError::ShutDown => f.write_str("queue is shut down and empty"),
        }
    }
}

impl std::error::Error for GetError {}

/// [`GenericQueue::task_done`] was called more times than items were put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDoneError {
    _priv: (),
}

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called too many times")
    }
}

impl std::error::Error for TaskDoneError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders() {
        let f = Queue::new(0);
        let l = LifoQueue::new(0);
        let p = PriorityQueue::new(0);
        for i in [2, 3, 1] {
            f.put_nowait(i).unwrap();
            l.put_nowait(i).unwrap();
            p.put_nowait(i).unwrap();
        }
        let drain = |g: &dyn Fn() -> Result<i32, GetError>| -> Vec<i32> {
            std::iter::from_fn(|| g().ok()).collect()
        };
        assert_eq!(drain(&|| f.get_nowait()), [2, 3, 1]);
        assert_eq!(drain(&|| l.get_nowait()), [1, 3, 2]);
        assert_eq!(drain(&|| p.get_nowait()), [1, 2, 3]);
    }

    #[test]
    fn full_and_unbounded() {
        let q = Queue::new(1);
        assert!(!q.full());
        q.put_nowait(1).unwrap();
        assert!(q.full());
        assert_eq!(q.put_nowait(2).unwrap_err().into_inner(), 2);
        let u = Queue::unbounded();
        for i in 0..100 {
            u.put_nowait(i).unwrap();
        }
        assert!(!u.full());
        assert_eq!(u.qsize(), 100);
        assert_eq!(u.maxsize(), 0);
    }

    #[test]
    fn task_done_accounting() {
        let q = Queue::new(0);
        assert!(q.task_done().is_err());
        q.put_nowait(()).unwrap();
        q.put_nowait(()).unwrap();
        assert_eq!(q.unfinished_tasks(), 2);
        q.get_nowait().unwrap();
        q.task_done().unwrap();
        q.task_done().unwrap();
        assert_eq!(q.task_done(), Err(TaskDoneError { _priv: () }));
    }

    #[test]
    fn shutdown_modes() {
        let q = Queue::new(0);
        q.put_nowait(1).unwrap();
        q.put_nowait(2).unwrap();
        q.shutdown(false);
        assert!(q.put_nowait(3).unwrap_err().is_shutdown());
        assert_eq!(q.get_nowait(), Ok(1));
        q.shutdown(true);
        assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
        assert_eq!(q.unfinished_tasks(), 1, "taken item still pending");
        q.task_done().unwrap();
    }

    /// A tiny deterministic generator, for the heap tests.
    fn lcg(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *seed >> 33
    }

    fn heap_push<T: Ord>(h: &mut Heap<T>, item: T) {
        let plan = <Priority as QueueKind<T>>::plan_push(h, &item);
        <Priority as QueueKind<T>>::push(h, item, plan);
    }

    fn heap_pop<T: Ord>(h: &mut Heap<T>) -> Option<T> {
        let plan = <Priority as QueueKind<T>>::plan_pop(h);
        <Priority as QueueKind<T>>::pop(h, plan)
    }

    fn is_heap<T: Ord>(h: &Heap<T>) -> bool {
        (1..h.0.len()).all(|i| h.0[(i - 1) / 2] <= h.0[i])
    }

    #[test]
    fn heap_matches_a_sorted_model() {
        let mut seed = 7;
        let mut h = Heap::default();
        let mut model: Vec<u64> = Vec::new();
        let rounds = if cfg!(miri) { 300 } else { 3_000 };
        for _ in 0..rounds {
            if lcg(&mut seed) % 3 < 2 || model.is_empty() {
                let v = lcg(&mut seed) % 64;
                heap_push(&mut h, v);
                // Kept largest first, so that `pop` gives the smallest.
                let at = model.partition_point(|&m| m > v);
                model.insert(at, v);
            } else {
                assert_eq!(heap_pop(&mut h), model.pop());
            }
            assert!(is_heap(&h));
            assert_eq!(h.0.len(), model.len());
        }
        while let Some(v) = model.pop() {
            assert_eq!(heap_pop(&mut h), Some(v));
        }
        assert_eq!(heap_pop(&mut h), None);
    }

    /// Compares like `u32`, but panics on the comparison numbered `FUSE`
    /// (counted per thread).
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Fused(u32);

    thread_local! {
        static FUSE: std::cell::Cell<(usize, usize)> = const { std::cell::Cell::new((0, usize::MAX)) };
    }

    impl PartialOrd for Fused {
        fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
            Some(self.cmp(other))
        }
    }

    impl Ord for Fused {
        fn cmp(&self, other: &Self) -> Ordering {
            let (n, at) = FUSE.with(|f| f.get());
            FUSE.with(|f| f.set((n + 1, at)));
            assert!(n != at, "fuse blown");
            self.0.cmp(&other.0)
        }
    }

    fn arm(at: usize) {
        FUSE.with(|f| f.set((0, at)));
    }

    #[test]
    fn a_panic_at_any_comparison_leaves_the_heap_as_it_was() {
        use std::panic::{catch_unwind, AssertUnwindSafe};
        let mut seed = 11;
        // Sizes around the levels' edges (each failed plan is a panic, and
        // panics are slow to report).
        let lens: &[usize] = if cfg!(miri) {
            &[0, 1, 2, 3, 6, 7]
        } else {
            &[0, 1, 2, 3, 4, 6, 7, 8, 14, 15, 16, 30]
        };
        for &len in lens {
            arm(usize::MAX);
            let mut h = Heap::default();
            for _ in 0..len {
                heap_push(&mut h, Fused((lcg(&mut seed) % 16) as u32));
            }
            // Push: fail at each comparison in turn, then succeed.
            let new = Fused((lcg(&mut seed) % 16) as u32);
            let before = h.0.clone();
            for at in 0.. {
                arm(at);
                let plan = catch_unwind(AssertUnwindSafe(|| {
                    <Priority as QueueKind<Fused>>::plan_push(&h, &new)
                }));
                arm(usize::MAX);
                match plan {
                    Err(_) => assert_eq!(h.0, before, "a failed push plan changes nothing"),
                    Ok(plan) => {
                        <Priority as QueueKind<Fused>>::push(&mut h, new.clone(), plan);
                        break;
                    }
                }
            }
            assert!(is_heap(&h));
            // Pop: the same.
            let before = h.0.clone();
            let min = before.iter().min().cloned();
            for at in 0.. {
                arm(at);
                let plan = catch_unwind(AssertUnwindSafe(|| {
                    <Priority as QueueKind<Fused>>::plan_pop(&h)
                }));
                arm(usize::MAX);
                match plan {
                    Err(_) => assert_eq!(h.0, before, "a failed pop plan changes nothing"),
                    Ok(plan) => {
                        let top = <Priority as QueueKind<Fused>>::pop(&mut h, plan);
                        assert_eq!(top, min);
                        break;
                    }
                }
            }
            assert!(is_heap(&h));
            assert_eq!(h.0.len(), len);
        }
    }
}
