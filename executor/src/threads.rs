//! The registry of live threads: every thread myrt started, and every
//! plain thread that called into it, with the role it plays (Python's
//! `threading.enumerate()` and `active_count()` read it).
//!
//! A thread myrt spawns registers at the start of its body with
//! [`register`] (or, for a `myrt::thread::Thread`, binds the entry its
//! spawner [`reserve`]d) and leaves when the returned [`Registration`] is
//! dropped, which happens on unwinding too. Any other thread is registered
//! lazily the first time it asks who it is ([`current`]) or enters a
//! runtime's `block_on`: as [`Role::Main`] if it is the process's initial
//! thread, as [`Role::Foreign`] otherwise; a foreign entry leaves when the
//! thread exits (its thread-locals are destroyed). The main thread's entry,
//! once made, stays for the life of the process.
//!
//! The registry is one `std::sync::Mutex` (not a protocol to model-check);
//! under `cfg(loom)` registration does nothing, since loom's threads share
//! one OS thread.
//!
//! # Examples
//!
//! ```
//! use myrt_executor::threads::{self, Role};
//!
//! let t = std::thread::spawn(|| {
//!     let _reg = threads::register(Role::Pool, true);
//!     threads::current()
//! });
//! let info = t.join().unwrap();
//! assert_eq!(info.role(), Role::Pool);
//! assert!(!threads::is_alive(info.ident()));
//! ```
#![allow(unsafe_code)] // One call: `gettid(2)`, which has no preconditions.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// What a registered thread is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// The process's initial thread (the one running `fn main`, hence
    /// `#[myrt::main]`).
    Main,
    /// A `myrt::thread::Thread` (or `Timer`).
    User,
    /// A multi-thread scheduler worker.
    Worker,
    /// A `spawn_blocking` pool thread.
    Blocking,
    /// A `concurrent::ThreadPoolExecutor` worker.
    Pool,
    /// The thread a runtime shutdown runs on when it cannot run in place.
    Shutdown,
    /// A thread myrt did not start that called into it (Python's
    /// "dummy" threads).
    Foreign,
}

/// A snapshot of one registered thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadInfo {
    ident: u64,
    native_id: Option<u64>,
    name: Arc<str>,
    role: Role,
    daemon: bool,
}

impl ThreadInfo {
    /// The process-unique identifier: a counter, never reused, never 0
    /// (Python `Thread.ident`, `get_ident()`).
    #[doc(alias = "get_ident")]
    pub fn ident(&self) -> u64 {
        self.ident
    }

    /// The OS thread id (Linux `gettid`); `None` before the thread has
    /// started, or where the platform gives none (Python
    /// `Thread.native_id`).
    #[doc(alias = "get_native_id")]
    pub fn native_id(&self) -> Option<u64> {
        self.native_id
    }

    /// The thread's name: the name it was given, `"main"` for the main
    /// thread, `"Thread-N"` or `"Dummy-N"` (N its ident) when it had none.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the thread is for.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether the process may exit without waiting for it (Python
    /// `Thread.daemon`). Only the main thread and non-daemon `User`
    /// threads are `false`.
    pub fn is_daemon(&self) -> bool {
        self.daemon
    }

    /// Whether the thread is still registered (still running).
    pub fn is_alive(&self) -> bool {
        is_alive(self.ident)
    }
}

impl fmt::Display for ThreadInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:?}, ident {})", self.name, self.role, self.ident)
    }
}

struct Registry {
    live: BTreeMap<u64, ThreadInfo>,
    /// Live non-daemon entries other than the main thread's.
    non_daemon: usize,
    /// The main thread's ident, once it has an entry.
    main: Option<u64>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    live: BTreeMap::new(),
    non_daemon: 0,
    main: None,
});
/// Notified when a non-daemon entry leaves.
static LEFT: Condvar = Condvar::new();
static NEXT_IDENT: AtomicU64 = AtomicU64::new(1);

fn registry() -> MutexGuard<'static, Registry> {
    // No user code runs under this lock; a poisoned one is consistent.
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

fn next_ident() -> u64 {
    NEXT_IDENT.fetch_add(1, Relaxed)
}

impl Registry {
    fn insert(&mut self, info: ThreadInfo) {
        if !info.daemon && info.role != Role::Main {
            self.non_daemon += 1;
        }
        self.live.insert(info.ident, info);
    }

    fn remove(&mut self, ident: u64) {
        if let Some(info) = self.live.remove(&ident) {
            if !info.daemon && info.role != Role::Main {
                self.non_daemon -= 1;
                LEFT.notify_all();
            }
        }
    }

    /// The main thread's entry, made on first use.
    fn main_entry(&mut self) -> ThreadInfo {
        if let Some(info) = self.main.and_then(|m| self.live.get(&m)) {
            return info.clone();
        }
        let info = ThreadInfo {
            ident: next_ident(),
            native_id: Some(u64::from(std::process::id())),
            name: "main".into(),
            role: Role::Main,
            daemon: false,
        };
        self.main = Some(info.ident);
        self.insert(info.clone());
        info
    }
}

/// The calling thread's OS thread id (Linux `gettid`), `None` where there
/// is none to read.
pub fn native_id() -> Option<u64> {
    #[cfg(all(target_os = "linux", not(miri)))]
    {
        // SAFETY: gettid(2) takes no arguments, touches no memory and
        // cannot fail.
        let tid = unsafe { libc::gettid() };
        u64::try_from(tid).ok()
    }
    #[cfg(not(all(target_os = "linux", not(miri))))]
    {
        None
    }
}

/// Whether the calling thread is the process's initial thread.
fn is_main_thread() -> bool {
    #[cfg(all(target_os = "linux", not(miri)))]
    {
        native_id() == Some(u64::from(std::process::id()))
    }
    #[cfg(not(all(target_os = "linux", not(miri))))]
    {
        std::thread::current().name() == Some("main")
    }
}

thread_local! {
    /// The calling thread's ident, 0 while it has none.
    static CURRENT: Cell<u64> = const { Cell::new(0) };
    /// A lazily made foreign entry, removed when the thread exits.
    static LAZY: LazyEntry = const { LazyEntry(Cell::new(0)) };
}

struct LazyEntry(Cell<u64>);

impl Drop for LazyEntry {
    fn drop(&mut self) {
        let ident = self.0.get();
        if ident != 0 {
            registry().remove(ident);
        }
    }
}

fn current_ident() -> u64 {
    CURRENT.try_with(Cell::get).unwrap_or(0)
}

/// The entry of the calling thread while it is registered: dropping it
/// (at the end of the thread body, or while unwinding) removes the thread
/// from the registry.
#[must_use = "the thread leaves the registry when this is dropped"]
pub struct Registration {
    #[cfg(not(loom))]
    ident: u64,
    #[cfg(not(loom))]
    previous: u64,
    /// Bound to the thread whose thread-local it set.
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Registration {
    /// The registered thread's ident (0 under `cfg(loom)`).
    pub fn ident(&self) -> u64 {
        #[cfg(not(loom))]
        {
            self.ident
        }
        #[cfg(loom)]
        {
            0
        }
    }

    #[cfg(not(loom))]
    fn bind(info: ThreadInfo) -> Registration {
        let ident = info.ident;
        let previous = CURRENT.try_with(|c| c.replace(ident)).unwrap_or(0);
        registry().insert(info);
        Registration {
            ident,
            previous,
            _not_send: std::marker::PhantomData,
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        #[cfg(not(loom))]
        {
            let _ = CURRENT.try_with(|c| c.set(self.previous));
            registry().remove(self.ident);
        }
    }
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("ident", &self.ident())
            .finish()
    }
}

/// Registers the calling thread under `role`, named after its
/// `std::thread` name (or `"Thread-N"`), until the result is dropped.
/// Call it first thing in a thread body.
pub fn register(role: Role, daemon: bool) -> Registration {
    #[cfg(loom)]
    {
        let _ = (role, daemon);
        Registration {
            _not_send: std::marker::PhantomData,
        }
    }
    #[cfg(not(loom))]
    {
        let ident = next_ident();
        let name: Arc<str> = match std::thread::current().name() {
            Some(n) => n.into(),
            None => format!("Thread-{ident}").into(),
        };
        Registration::bind(ThreadInfo {
            ident,
            native_id: native_id(),
            name,
            role,
            daemon,
        })
    }
}

/// An entry made by a spawner for a thread it is about to start, so the
/// thread is listed (and counted by [`wait_non_daemon`]) from the moment
/// it is spawned. The new thread [`bind`](Reservation::bind)s it; dropping
/// an unbound reservation (the spawn failed) removes the entry.
#[derive(Debug)]
pub struct Reservation {
    info: Option<ThreadInfo>,
}

/// Reserves an entry for a thread about to be spawned; `name` `None`
/// means `"Thread-N"`.
pub fn reserve(role: Role, name: Option<String>, daemon: bool) -> Reservation {
    let ident = next_ident();
    let name: Arc<str> = match name {
        Some(n) => n.into(),
        None => format!("Thread-{ident}").into(),
    };
    let info = ThreadInfo {
        ident,
        native_id: None,
        name,
        role,
        daemon,
    };
    registry().insert(info.clone());
    Reservation { info: Some(info) }
}

impl Reservation {
    /// The reserved entry.
    pub fn info(&self) -> &ThreadInfo {
        self.info.as_ref().expect("present until bound or dropped")
    }

    /// Called by the new thread: the entry becomes the calling thread's,
    /// with its native id, until the result is dropped.
    pub fn bind(mut self) -> Registration {
        let mut info = self.info.take().expect("present until bound");
        #[cfg(loom)]
        {
            registry().remove(info.ident);
            let _ = &mut info;
            Registration {
                _not_send: std::marker::PhantomData,
            }
        }
        #[cfg(not(loom))]
        {
            info.native_id = native_id();
            let ident = info.ident;
            let previous = CURRENT.try_with(|c| c.replace(ident)).unwrap_or(0);
            if let Some(e) = registry().live.get_mut(&ident) {
                e.native_id = info.native_id;
            }
            Registration {
                ident,
                previous,
                _not_send: std::marker::PhantomData,
            }
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(info) = self.info.take() {
            registry().remove(info.ident);
        }
    }
}

/// Registers the calling thread if it is not yet: as the main thread or a
/// foreign one. Runtimes call it on entering `block_on`.
pub fn touch() {
    let _ = current_or_register();
}

fn current_or_register() -> Option<u64> {
    let ident = current_ident();
    if ident != 0 {
        return Some(ident);
    }
    if cfg!(loom) {
        return None;
    }
    if is_main_thread() {
        let ident = registry().main_entry().ident;
        CURRENT.try_with(|c| c.set(ident)).ok()?;
        return Some(ident);
    }
    // Thread-locals being destroyed: do not make an entry nobody removes.
    LAZY.try_with(|_| ()).ok()?;
    let ident = next_ident();
    let name: Arc<str> = match std::thread::current().name() {
        Some(n) => n.into(),
        None => format!("Dummy-{ident}").into(),
    };
    registry().insert(ThreadInfo {
        ident,
        native_id: native_id(),
        name,
        role: Role::Foreign,
        daemon: true,
    });
    let _ = LAZY.try_with(|l| l.0.set(ident));
    CURRENT.try_with(|c| c.set(ident)).ok()?;
    Some(ident)
}

/// The calling thread's entry, registering it first if need be (Python
/// `threading.current_thread()`). A thread whose thread-locals are being
/// destroyed gets an unlisted snapshot.
pub fn current() -> ThreadInfo {
    if let Some(ident) = current_or_register() {
        if let Some(info) = registry().live.get(&ident) {
            return info.clone();
        }
    }
    ThreadInfo {
        ident: 0,
        native_id: native_id(),
        name: std::thread::current().name().unwrap_or("Dummy").into(),
        role: Role::Foreign,
        daemon: true,
    }
}

/// The calling thread's ident, registering it first if need be (Python
/// `threading.get_ident()`).
pub fn current_ident_or_register() -> u64 {
    current_or_register().unwrap_or(0)
}

/// The main thread's entry, made on first use from any thread (Python
/// `threading.main_thread()`).
pub fn main_thread() -> ThreadInfo {
    registry().main_entry()
}

/// Every live registered thread, in ident order, the main thread always
/// among them (Python `threading.enumerate()`).
pub fn enumerate() -> Vec<ThreadInfo> {
    let mut reg = registry();
    reg.main_entry();
    reg.live.values().cloned().collect()
}

/// How many threads [`enumerate`] would list (Python
/// `threading.active_count()`).
pub fn active_count() -> usize {
    let mut reg = registry();
    reg.main_entry();
    reg.live.len()
}

/// The live entry with this ident, if any.
pub fn get(ident: u64) -> Option<ThreadInfo> {
    registry().live.get(&ident).cloned()
}

/// Whether the thread with this ident is still registered.
pub fn is_alive(ident: u64) -> bool {
    registry().live.contains_key(&ident)
}

/// Whether the calling thread is a registered non-daemon thread other
/// than the main one.
fn current_is_non_daemon() -> bool {
    let ident = current_ident();
    ident != 0
        && registry()
            .live
            .get(&ident)
            .is_some_and(|i| !i.daemon && i.role != Role::Main)
}

/// Waits until every live non-daemon thread (the main thread and the
/// calling thread aside) has left the registry, threads started meanwhile
/// included, or until `timeout` passes; returns whether they all left. A
/// timeout of `myrt_sync::TIMEOUT_MAX` or more (or `None`) waits forever.
pub fn wait_non_daemon(timeout: Option<Duration>) -> bool {
    let deadline = match timeout {
        Some(t) if t < Duration::from_secs(i64::MAX as u64 / 1_000_000_000) => {
            Instant::now().checked_add(t)
        }
        _ => None,
    };
    let me = usize::from(current_is_non_daemon());
    let mut reg = registry();
    while reg.non_daemon > me {
        match deadline {
            None => reg = LEFT.wait(reg).unwrap_or_else(PoisonError::into_inner),
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    return false;
                }
                reg = LEFT
                    .wait_timeout(reg, d - now)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
        }
    }
    true
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn register_lists_and_drop_removes() {
        let (ident, listed) = std::thread::Builder::new()
            .name("reg-test".into())
            .spawn(|| {
                let reg = register(Role::Worker, true);
                let me = current();
                assert_eq!(me.ident(), reg.ident());
                assert_eq!(me.name(), "reg-test");
                assert_eq!(me.native_id(), native_id());
                (me.ident(), enumerate().contains(&me))
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(listed);
        assert!(!is_alive(ident));
    }

    #[test]
    fn registration_leaves_on_panic() {
        let (tx, rx) = std::sync::mpsc::channel();
        let r = std::thread::spawn(move || {
            let reg = register(Role::Blocking, true);
            tx.send(reg.ident()).unwrap();
            panic!("boom");
        })
        .join();
        assert!(r.is_err());
        assert!(!is_alive(rx.recv().unwrap()));
    }

    #[test]
    fn foreign_threads_register_lazily_and_leave_at_exit() {
        let info = std::thread::spawn(|| {
            let a = current();
            assert_eq!(a, current());
            a
        })
        .join()
        .unwrap();
        assert_eq!(info.role(), Role::Foreign);
        assert!(info.name().starts_with("Dummy-"), "{info}");
        assert!(!is_alive(info.ident()));
    }

    #[test]
    fn reservation_counts_as_non_daemon_until_bound_and_dropped() {
        let res = reserve(Role::User, Some("nd".into()), false);
        let ident = res.info().ident();
        assert!(is_alive(ident));
        assert!(!wait_non_daemon(Some(Duration::ZERO)));
        let t = std::thread::spawn(move || {
            let reg = res.bind();
            current().native_id() == native_id() && reg.ident() == ident
        });
        assert!(t.join().unwrap());
        assert!(!is_alive(ident));
        let res = reserve(Role::User, None, true);
        let ident = res.info().ident();
        assert_eq!(res.info().name(), format!("Thread-{ident}"));
        drop(res);
        assert!(!is_alive(ident));
    }

    #[test]
    fn main_thread_is_always_listed() {
        let main = main_thread();
        assert_eq!(main.role(), Role::Main);
        assert_eq!(main.native_id(), Some(u64::from(std::process::id())));
        assert!(enumerate().contains(&main));
        assert_eq!(main_thread().ident(), main.ident());
    }
}
