//! `OnceCell<T>`: a value set once, by whichever caller gets there first,
//! with an async initializer.
//!
//! The value sits in a [`std::sync::OnceLock`]; concurrent initializers
//! queue on a [`Lock`](crate::Lock) (made when first needed), so exactly one runs at a
//! time and the others wait for it in FIFO order. An initializer that is
//! cancelled, fails or panics leaves the cell empty and lets the next
//! waiter try.

use std::fmt;
use std::future::Future;
use std::sync::OnceLock;

use crate::blocking::block_on;
use crate::Lock;

/// A cell written once, with async initialization (tokio's `OnceCell`;
/// in Python, a module-level value guarded by a `Lock`, or
/// `functools.cache` on a zero-argument coroutine).
///
/// # Examples
///
/// ```
/// use myrt_sync::OnceCell;
///
/// static CONFIG: OnceCell<String> = OnceCell::new();
///
/// async fn config() -> &'static str {
///     CONFIG.get_or_init(|| async { "loaded".to_string() }).await
/// }
///
/// assert_eq!(CONFIG.blocking_get_or_init(|| "from a thread".to_string()), "from a thread");
/// assert_eq!(CONFIG.get().map(String::as_str), Some("from a thread"));
/// # drop(config());
/// ```
pub struct OnceCell<T> {
    value: OnceLock<T>,
    /// Made on the first call that finds the cell empty, so `new` can be
    /// `const`.
    init: OnceLock<Lock<()>>,
}

/// [`OnceCell::set`] found the cell already set; holds the value it was
/// given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetError<T>(pub T);

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the OnceCell is already set")
    }
}

impl<T: fmt::Debug> std::error::Error for SetError<T> {}

impl<T> OnceCell<T> {
    /// An empty cell; usable in a `static`.
    pub const fn new() -> Self {
        OnceCell {
            value: OnceLock::new(),
            init: OnceLock::new(),
        }
    }

    /// A cell already holding `value`.
    pub fn new_with(value: T) -> Self {
        let cell = Self::new();
        let _ = cell.value.set(value);
        cell
    }

    /// The value, if set.
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// Whether the value is set. Python-ish name: `initialized`.
    #[doc(alias = "initialized")]
    pub fn is_set(&self) -> bool {
        self.value.get().is_some()
    }

    /// Sets the value unless it is set already.
    ///
    /// # Errors
    ///
    /// [`SetError`] holding `value` if the cell was set (possibly by an
    /// initializer that finished meanwhile).
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        self.value.set(value).map_err(SetError)
    }

    /// The value, running `init` to make it if the cell is empty. Only one
    /// initializer runs at a time; the others wait for it and then return
    /// its value.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future while it waits gives up its place
    /// in line; dropping it while its own `init` runs drops that future and
    /// leaves the cell empty, and the next waiter runs its initializer.
    pub async fn get_or_init<F, Fut>(&self, init: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        match self
            .get_or_try_init(|| async { Ok::<T, std::convert::Infallible>(init().await) })
            .await
        {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }

    /// [`get_or_init`](Self::get_or_init) with a fallible initializer: on
    /// `Err` the cell stays empty, the error is returned, and the next
    /// waiter tries its own initializer.
    ///
    /// # Errors
    ///
    /// The initializer's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`get_or_init`](Self::get_or_init).
    pub async fn get_or_try_init<E, F, Fut>(&self, init: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(v) = self.value.get() {
            return Ok(v);
        }
        let _turn = self.init.get_or_init(|| Lock::new(())).lock().await;
        if let Some(v) = self.value.get() {
            return Ok(v);
        }
        let v = init().await?;
        // Nobody else sets it while we hold `_turn`, except `set`, which
        // does not queue; keep whichever came first.
        let _ = self.value.set(v);
        Ok(self.value.get().expect("set just above"))
    }

    /// [`get_or_init`](Self::get_or_init) for plain threads, with a
    /// blocking initializer. Do not call it from a task: it blocks the
    /// worker thread.
    pub fn blocking_get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        block_on(self.get_or_init(|| async { init() }), None).expect("no deadline")
    }

    /// The value, emptying the cell.
    pub fn take(&mut self) -> Option<T> {
        self.value.take()
    }

    /// The value, taking the cell apart.
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> Self {
        Self::new_with(value)
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> Self {
        match self.get() {
            Some(v) => Self::new_with(v.clone()),
            None => Self::new(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OnceCell").field(&self.get()).finish()
    }
}
