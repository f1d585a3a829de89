//! Task-local values: `task_local!`, [`LocalKey`] and [`TaskLocalFuture`].
//!
//! A value is set for the duration of a future with [`LocalKey::scope`]
//! (or of a closure with [`LocalKey::sync_scope`]) and read inside it with
//! [`LocalKey::with`]. While the future is polled, the value sits in a
//! thread-local slot; between polls it travels inside the future, so it
//! follows the task from worker to worker.
//!
//! # Coming from asyncio's `contextvars`
//!
//! `asyncio.create_task` copies the whole context into the new task, so a
//! child sees the parent's `ContextVar`s. Here nothing is inherited
//! implicitly: a task spawned inside a scope does not see the value. Pass
//! it on by wrapping the child's future in its own scope:
//! `spawn(KEY.scope(KEY.get(), child))`.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Declares task-local keys: `static NAME: Type;`, one or more.
///
/// Each key is a [`LocalKey`]; give it a value for a future with
/// [`LocalKey::scope`] and read it inside with [`LocalKey::with`] or
/// [`LocalKey::get`].
///
/// # Examples
///
/// ```
/// myrt::task_local! {
///     /// The request being served.
///     static REQUEST_ID: u64;
/// }
///
/// myrt::run(async {
///     let id = REQUEST_ID
///         .scope(7, async { REQUEST_ID.get() })
///         .await;
///     assert_eq!(id, 7);
///     assert!(REQUEST_ID.try_with(|_| ()).is_err());
/// });
/// ```
#[macro_export]
#[doc(alias = "ContextVar")]
#[doc(alias = "contextvars")]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::task_local!($(#[$attr])* $vis static $name: $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static SLOT: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey::__new(&SLOT)
        };
    };
}

/// A key for a task-local value, declared with [`task_local!`].
///
/// tokio: `tokio::task::LocalKey`; asyncio: a `contextvars.ContextVar`
/// (without copy-on-spawn, see the [module docs](self)).
#[doc(alias = "ContextVar")]
pub struct LocalKey<T: 'static> {
    slot: &'static std::thread::LocalKey<RefCell<Option<T>>>,
}

/// The value of a [`LocalKey`] was read outside any scope that set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessError(());

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value read outside a scope that sets it")
    }
}

impl std::error::Error for AccessError {}

impl<T: 'static> LocalKey<T> {
    #[doc(hidden)]
    pub const fn __new(slot: &'static std::thread::LocalKey<RefCell<Option<T>>>) -> Self {
        LocalKey { slot }
    }

    /// Runs `future` with this key set to `value`; the value is visible in
    /// every poll of `future` (and while it is dropped), and nowhere else.
    ///
    /// Scopes nest: an inner scope of the same key shadows the outer one
    /// until it ends.
    ///
    /// asyncio: `var.set(value)` in a fresh `contextvars.Context`.
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future drops `future` (with the value still
    /// set) and the value; nothing leaks into the surrounding task.
    #[doc(alias = "set")]
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            key: self,
            slot: Some(value),
            future: Some(future),
        }
    }

    /// Runs `f` with this key set to `value` and returns its result.
    ///
    /// # Panics
    ///
    /// If called from inside [`LocalKey::with`] of the same key (the slot is
    /// borrowed), a programmer error.
    pub fn sync_scope<R>(&'static self, value: T, f: impl FnOnce() -> R) -> R {
        let mut slot = Some(value);
        self.enter(&mut slot, f)
    }

    /// Calls `f` with a reference to the value.
    ///
    /// # Panics
    ///
    /// Outside any scope that sets this key (a programmer error); use
    /// [`LocalKey::try_with`] to get an error instead.
    #[track_caller]
    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        match self.try_with(f) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        }
    }

    /// Calls `f` with a reference to the value, or returns [`AccessError`]
    /// outside any scope that sets this key.
    pub fn try_with<R>(&'static self, f: impl FnOnce(&T) -> R) -> Result<R, AccessError> {
        let f = |cell: &RefCell<Option<T>>| {
            let v = cell.borrow();
            v.as_ref().map(f)
        };
        match self.slot.try_with(f) {
            Ok(Some(r)) => Ok(r),
            // Not set, or the thread is being torn down.
            _ => Err(AccessError(())),
        }
    }

    /// A clone of the value.
    ///
    /// asyncio: `var.get()`.
    ///
    /// # Panics
    ///
    /// Outside any scope that sets this key; see [`LocalKey::try_get`].
    #[track_caller]
    pub fn get(&'static self) -> T
    where
        T: Clone,
    {
        self.with(T::clone)
    }

    /// A clone of the value, or [`AccessError`] outside any scope that sets
    /// this key.
    pub fn try_get(&'static self) -> Result<T, AccessError>
    where
        T: Clone,
    {
        self.try_with(T::clone)
    }

    /// Puts `slot`'s value into the thread-local slot for the call of `f`,
    /// then takes it back (also when `f` panics).
    fn enter<R>(&'static self, slot: &mut Option<T>, f: impl FnOnce() -> R) -> R {
        struct Restore<'a, T: 'static> {
            key: &'static LocalKey<T>,
            slot: &'a mut Option<T>,
        }
        impl<T: 'static> Drop for Restore<'_, T> {
            fn drop(&mut self) {
                // The borrow taken in `swap` below ended before `f` ran,
                // and `f` cannot leave one behind (`with` borrows only for
                // the length of its closure).
                self.key
                    .slot
                    .with(|c| std::mem::swap(self.slot, &mut *c.borrow_mut()));
            }
        }
        self.swap(slot);
        let _restore = Restore { key: self, slot };
        f()
    }

    #[track_caller]
    fn swap(&'static self, slot: &mut Option<T>) {
        let swapped = self.slot.try_with(|c| match c.try_borrow_mut() {
            Ok(mut v) => {
                std::mem::swap(slot, &mut *v);
                true
            }
            Err(_) => false,
        });
        match swapped {
            Ok(true) => {}
            Ok(false) => panic!("a task-local scope was entered inside `with` of the same key"),
            Err(_) => panic!("a task-local scope was entered while the thread is being torn down"),
        }
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalKey { .. }")
    }
}

pin_project_lite::pin_project! {
    /// A future run with a task-local value set; made by [`LocalKey::scope`].
    ///
    /// # Cancel safety
    ///
    /// Dropping it drops the inner future with the value set, then the
    /// value.
    pub struct TaskLocalFuture<T: 'static, F> {
        key: &'static LocalKey<T>,
        slot: Option<T>,
        #[pin]
        future: Option<F>,
    }

    impl<T: 'static, F> PinnedDrop for TaskLocalFuture<T, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if this.future.is_some() {
                let mut future = this.future;
                // Dropped in place (`Pin::set`), inside the scope, so its
                // destructors still see the value.
                this.key.enter(this.slot, || future.set(None));
            }
        }
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let mut future = this.future;
        let out = this
            .key
            .enter(this.slot, || match future.as_mut().as_pin_mut() {
                Some(f) => f.poll(cx).map(Some),
                None => Poll::Ready(None),
            });
        match out {
            Poll::Ready(Some(v)) => {
                // Drop the finished future now, still inside the scope.
                this.key.enter(this.slot, || future.set(None));
                Poll::Ready(v)
            }
            Poll::Ready(None) => panic!("`TaskLocalFuture` polled after completion"),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: 'static + fmt::Debug, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture")
            .field("value", &self.slot)
            .finish_non_exhaustive()
    }
}
