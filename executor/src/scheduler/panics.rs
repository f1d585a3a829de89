//! What a runtime does when a detached task panics: [`UnhandledPanic`].
//!
//! A task's panic is its `JoinHandle`'s error. When the handle is gone
//! (the task was detached), nobody would see it but the panic hook; the
//! scheduler is told instead and follows the runtime's policy.

use std::fmt::Write as _;
use std::io::Write as _;
use std::task::{Context, Waker};

use crate::loom::{lock, AtomicBool, Mutex, Ordering::*};
use crate::task::registry::Registry;
use crate::task::Id;

/// What a runtime does when a task nobody joins panics (its `JoinHandle`
/// was dropped): set with `Builder::unhandled_panic`.
///
/// Every policy leaves the process's panic hook alone: it still prints the
/// panic where it happened. tokio: `runtime::UnhandledPanic`; asyncio: the
/// loop's exception handler ("Task exception was never retrieved").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnhandledPanic {
    /// One line on stderr naming the task (its name, or its id) and the
    /// panic message. The default.
    #[default]
    Report,
    /// Nothing beyond the panic hook.
    Ignore,
    /// Report it, then shut the runtime down: every task is cancelled, new
    /// spawns are cancelled at once, and `block_on` panics with the report
    /// (a programmer-chosen fail-fast mode; use `Report` to keep running).
    ShutdownRuntime,
}

pub(crate) struct Panics {
    policy: UnhandledPanic,
    /// Set once a detached panic shut the runtime down.
    fatal: AtomicBool,
    /// The report, and the wakers of `block_on` calls to tell.
    state: Mutex<(Option<String>, Vec<Waker>)>,
}

impl Panics {
    pub(crate) fn new(policy: UnhandledPanic) -> Panics {
        Panics {
            policy,
            fatal: AtomicBool::new(false),
            state: Mutex::new((None, Vec::new())),
        }
    }

    /// Whether `block_on` must watch for a fatal panic.
    pub(crate) fn watched(&self) -> bool {
        self.policy == UnhandledPanic::ShutdownRuntime
    }

    /// A detached task panicked with `message`.
    pub(crate) fn on_panic(&self, registry: &Registry, id: Id, name: Option<&str>, message: &str) {
        if self.policy == UnhandledPanic::Ignore {
            return;
        }
        let mut line = String::from("myrt: detached task ");
        match name {
            Some(n) => {
                let _ = write!(line, "'{n}' ({id:?})");
            }
            None => {
                let _ = write!(line, "{id:?}");
            }
        }
        let _ = write!(line, " panicked: {message}");
        // A closed stderr must not turn into a second panic on a worker.
        let _ = writeln!(std::io::stderr(), "{line}");
        if self.policy != UnhandledPanic::ShutdownRuntime {
            return;
        }
        {
            let mut st = lock(&self.state);
            if st.0.is_some() {
                return; // the first fatal panic already shut it down
            }
            st.0 = Some(line);
        }
        // Cancel everything before `block_on` hears of it, so that what it
        // unwinds into finds the other tasks dropped (the idle ones; a task
        // being polled elsewhere is dropped when that poll ends).
        registry.close_and_cancel_all();
        let wakers = {
            let mut st = lock(&self.state);
            self.fatal.store(true, Release);
            std::mem::take(&mut st.1)
        };
        for w in wakers {
            w.wake();
        }
    }

    /// For `block_on` under `ShutdownRuntime`: the report once a detached
    /// panic shut the runtime down; until then `cx`'s waker is kept to be
    /// woken then.
    pub(crate) fn poll_fatal(&self, cx: &Context<'_>) -> Option<String> {
        if !self.fatal.load(Acquire) {
            let mut st = lock(&self.state);
            // `fatal` is set under this lock, after the cancellation.
            if !self.fatal.load(Acquire) {
                if !st.1.iter().any(|w| w.will_wake(cx.waker())) {
                    st.1.push(cx.waker().clone());
                }
                return None;
            }
        }
        lock(&self.state).0.clone()
    }
}
