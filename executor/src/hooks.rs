//! The hooks every runtime thread runs (names, start/stop callbacks, the
//! embedder's context), shared by the schedulers and the blocking pool.
//! A module of its own so that the blocking pool does not import the
//! schedulers.

use std::any::Any;
use std::sync::{Arc, OnceLock};

/// Runs a closure when a runtime thread starts or stops.
pub type ThreadHook = Arc<dyn Fn() + Send + Sync + 'static>;
/// Enters a context on a runtime thread (the `myrt` runtime uses it to make
/// its I/O driver current); the returned guard is dropped when the thread
/// (or `block_on`) leaves.
pub type EnterHook = Arc<dyn Fn() -> Box<dyn Any> + Send + Sync + 'static>;

/// Makes the owning runtime current on a blocking thread; `None` once the
/// runtime is gone. Set by the scheduler after it is built.
pub(crate) type EnterRuntime = Box<dyn Fn() -> Option<Box<dyn Any>> + Send + Sync>;

pub(crate) struct Hooks {
    pub(crate) thread_name: Arc<dyn Fn() -> String + Send + Sync>,
    pub(crate) on_thread_start: Option<ThreadHook>,
    pub(crate) on_thread_stop: Option<ThreadHook>,
    pub(crate) on_enter: Option<EnterHook>,
    pub(crate) enter_runtime: OnceLock<EnterRuntime>,
}

impl Hooks {
    /// Hooks with nothing set (the loom models' stand-in runtimes).
    #[cfg(all(test, loom))]
    pub(crate) fn bare() -> Arc<Hooks> {
        Arc::new(Hooks {
            thread_name: Arc::new(|| "loom".into()),
            on_thread_start: None,
            on_thread_stop: None,
            on_enter: None,
            enter_runtime: OnceLock::new(),
        })
    }

    /// Context for a blocking-pool thread: the runtime's handle is current
    /// (so it can spawn) and the embedder's context entered; both are left
    /// when the returned guards drop.
    pub(crate) fn enter_blocking(&self) -> Option<Entered> {
        let runtime = (self.enter_runtime.get()?)()?;
        let embed = self.on_enter.as_ref().map(|f| f());
        Some(Entered {
            _embed: embed,
            _runtime: runtime,
        })
    }
}

/// Guards of a blocking thread's context; dropping leaves it (the
/// embedder's context first, then the runtime's).
pub(crate) struct Entered {
    _embed: Option<Box<dyn Any>>,
    _runtime: Box<dyn Any>,
}
