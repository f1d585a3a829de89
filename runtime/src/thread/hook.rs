//! Reporting a [`Thread`](super::Thread)'s panic (Python
//! `threading.excepthook`).
//!
//! By default the report is the one Rust's panic hook prints
//! (`thread 'name' panicked at ...`), once; myrt prints nothing more. With
//! a hook installed by [`set_excepthook`], the hook is the report: the
//! panic hook stays quiet for panics on myrt threads, and the hook is
//! called once, after the thread's function has unwound.

use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once, PoisonError, RwLock};

use myrt_executor::threads::ThreadInfo;

use super::join::{payload_str, Outcome};

type Hook = Arc<dyn Fn(&ExceptHookArgs<'_>) + Send + Sync + 'static>;

static HOOK: RwLock<Option<Hook>> = RwLock::new(None);
/// Mirrors `HOOK.is_some()`, read by the panic hook without locking.
static HOOK_SET: AtomicBool = AtomicBool::new(false);
static WRAP_PANIC_HOOK: Once = Once::new();

thread_local! {
    /// True while a myrt thread runs its function.
    static IN_THREAD: Cell<bool> = const { Cell::new(false) };
    /// The panic hook kept quiet for this thread's panic.
    static SILENCED: Cell<bool> = const { Cell::new(false) };
}

/// What an excepthook is told about a thread that panicked (Python's
/// `ExceptHookArgs`: the thread, and the exception as a panic payload).
///
/// # Examples
///
/// ```
/// myrt::thread::set_excepthook(|args| {
///     eprintln!("{} failed: {}", args.thread().name(), args.message().unwrap_or("?"));
/// });
/// myrt::thread::clear_excepthook();
/// ```
pub struct ExceptHookArgs<'a> {
    thread: &'a ThreadInfo,
    payload: &'a (dyn Any + Send),
}

impl ExceptHookArgs<'_> {
    /// The thread that panicked.
    pub fn thread(&self) -> &ThreadInfo {
        self.thread
    }

    /// The panic message, when the payload is a string.
    pub fn message(&self) -> Option<&str> {
        payload_str(self.payload)
    }

    /// The panic payload.
    pub fn payload(&self) -> &(dyn Any + Send) {
        self.payload
    }
}

impl fmt::Debug for ExceptHookArgs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExceptHookArgs")
            .field("thread", self.thread)
            .field("message", &self.message())
            .finish()
    }
}

/// Replaces the report of a panicking [`Thread`](super::Thread) (Python
/// `threading.excepthook = hook`): `hook` is called once, on the thread,
/// after its function has unwound, and Rust's panic hook stays quiet for
/// panics on myrt threads while a hook is installed. The thread's
/// [`join`](super::JoinHandle::join) still returns the panic.
///
/// The first call wraps the process's panic hook (`std::panic::set_hook`)
/// to do that; a panic hook set after it replaces the wrapper, and the
/// panic hook's report then comes back alongside the excepthook's. A
/// panicking excepthook is reported by the panic hook, and otherwise
/// ignored. A panic caught by the thread's own code is reported by
/// neither while a hook is installed.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let s = seen.clone();
/// myrt::thread::set_excepthook(move |args| {
///     s.lock().unwrap().push(args.message().unwrap_or_default().to_owned());
/// });
/// let t = myrt::thread::Thread::new(|| panic!("quietly")).start();
/// assert!(t.join().is_err());
/// myrt::thread::clear_excepthook();
/// assert_eq!(*seen.lock().unwrap(), ["quietly"]);
/// ```
#[doc(alias = "excepthook")]
pub fn set_excepthook<F>(hook: F)
where
    F: Fn(&ExceptHookArgs<'_>) + Send + Sync + 'static,
{
    WRAP_PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_thread = IN_THREAD.try_with(Cell::get).unwrap_or(false);
            if in_thread && HOOK_SET.load(Ordering::Acquire) {
                let _ = SILENCED.try_with(|s| s.set(true));
                return;
            }
            previous(info);
        }));
    });
    *HOOK.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(hook));
    HOOK_SET.store(true, Ordering::Release);
}

/// Removes the hook [`set_excepthook`] installed: panics on myrt threads
/// are reported by Rust's panic hook again (Python
/// `threading.excepthook = threading.__excepthook__`).
///
/// # Examples
///
/// ```
/// myrt::thread::clear_excepthook();
/// ```
#[doc(alias = "excepthook")]
pub fn clear_excepthook() {
    *HOOK.write().unwrap_or_else(PoisonError::into_inner) = None;
    HOOK_SET.store(false, Ordering::Release);
}

/// Runs a thread's function (already wrapped in `catch_unwind`) and
/// reports its panic, if any, exactly once.
pub(super) fn run_reported<T>(
    thread: &ThreadInfo,
    body: impl FnOnce() -> Outcome<T>,
) -> Outcome<T> {
    IN_THREAD.with(|c| c.set(true));
    SILENCED.with(|c| c.set(false));
    let outcome = body();
    IN_THREAD.with(|c| c.set(false));
    if let Err(payload) = &outcome {
        let silenced = SILENCED.with(Cell::get);
        let hook = HOOK.read().unwrap_or_else(PoisonError::into_inner).clone();
        match hook {
            Some(hook) => {
                let args = ExceptHookArgs {
                    thread,
                    payload: &**payload,
                };
                // A panicking hook was reported by the panic hook.
                let _ = catch_unwind(AssertUnwindSafe(|| hook(&args)));
            }
            // The hook was removed between the panic and here: the panic
            // hook kept quiet, so report it here instead.
            None if silenced => match payload_str(&**payload) {
                Some(m) => eprintln!("thread '{}' panicked: {m}", thread.name()),
                None => eprintln!("thread '{}' panicked", thread.name()),
            },
            None => {}
        }
    }
    outcome
}
