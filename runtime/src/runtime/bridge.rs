//! Bridges between the runtime and `concurrent.futures`-style futures:
//! `Handle::submit` (asyncio `run_coroutine_threadsafe`) and `Executor` for
//! `Handle` over the blocking pool (asyncio `run_in_executor(None, f)`).

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use myrt_executor::concurrent::{self, Executor, Job, Promise, SubmitError};

use super::Handle;
use crate::task::JoinHandle;

pin_project_lite::pin_project! {
    /// Polls the inner future, turning a panic into `Err(payload)`.
    struct CatchUnwind<F> {
        #[pin]
        inner: F,
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = std::thread::Result<F::Output>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.project().inner;
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(p) => Poll::Ready(Err(p)),
        }
    }
}

/// Marks the bridged future cancelled if the task is dropped without
/// finishing (aborted, or cancelled by runtime shutdown).
struct CancelOnDrop<T>(Option<Promise<T>>);

impl<T> Drop for CancelOnDrop<T> {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            p.set_cancelled();
        }
    }
}

/// Completes a bridged future with a value or a caught panic.
fn finish<T>(promise: Promise<T>, out: std::thread::Result<T>) {
    match out {
        Ok(v) => {
            let _ = promise.set_result(v);
        }
        Err(p) => {
            promise.set_panic(p);
        }
    }
}

/// Makes cancelling a bridged future abort the task that produces it.
struct AbortOnCancel(Arc<Mutex<Option<JoinHandle<()>>>>);

impl AbortOnCancel {
    /// Registers the cancel hook; the task is handed over by `arm`.
    fn new<T>(promise: &Promise<T>) -> Self {
        let slot: Arc<Mutex<Option<JoinHandle<()>>>> = Arc::new(Mutex::new(None));
        let hook_slot = slot.clone();
        promise.on_cancel(move || abort_in(&hook_slot));
        AbortOnCancel(slot)
    }

    /// Hands over the task; aborts it at once if the future was cancelled
    /// before the hook could see it.
    fn arm<T>(self, task: JoinHandle<()>, fut: &concurrent::Future<T>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
        if fut.cancelled() {
            abort_in(&self.0);
        }
    }
}

fn abort_in(slot: &Mutex<Option<JoinHandle<()>>>) {
    if let Some(h) = slot.lock().unwrap_or_else(|e| e.into_inner()).take() {
        h.abort();
    }
}

impl Handle {
    /// Runs `future` as a task on this runtime and returns a
    /// [`concurrent::Future`] for its result, which any thread can block on
    /// (`result()`) and any task can `.await` (asyncio
    /// `run_coroutine_threadsafe`).
    ///
    /// Cancelling the returned future aborts the task (even while it runs:
    /// the bridged future stays *pending* until the task finishes, as in
    /// asyncio). A panic in the task is reported as
    /// [`FutureError::Panicked`](concurrent::FutureError::Panicked); a task
    /// dropped by runtime shutdown reports `Cancelled`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = myrt::runtime::Runtime::new().unwrap();
    /// let fut = rt.handle().submit(async { 6 * 7 });
    /// // A plain thread blocks on it:
    /// assert_eq!(std::thread::spawn(move || fut.result().unwrap()).join().unwrap(), 42);
    /// ```
    #[doc(alias("run_coroutine_threadsafe"))]
    pub fn submit<F>(&self, future: F) -> concurrent::Future<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (fut, promise) = concurrent::Future::pending();
        let link = AbortOnCancel::new(&promise);
        let mut guard = CancelOnDrop(Some(promise));
        let task = self.spawn(async move {
            let out = CatchUnwind { inner: future }.await;
            finish(guard.0.take().expect("promise taken once"), out);
        });
        link.arm(task, &fut);
        fut
    }
}

/// The runtime's blocking pool as a `concurrent.futures` executor (asyncio
/// `loop.run_in_executor(None, f)`).
///
/// `Handle::submit` is the async bridge, so call this one through the trait
/// (`Executor::submit(&handle, f)`) or from generic code (`fn f<E: Executor>`).
/// `shutdown` does nothing: the pool belongs to the runtime and stops when
/// the runtime is dropped. Submitting after the runtime has shut down is
/// [`SubmitError::ShutDown`].
impl Executor for Handle {
    fn submit<J: Job>(&self, f: J) -> Result<concurrent::Future<J::Output>, SubmitError<J>> {
        if self.driver.is_shutdown() {
            return Err(SubmitError::ShutDown(f));
        }
        let (fut, promise) = concurrent::Future::pending();
        let link = AbortOnCancel::new(&promise);
        let mut guard = CancelOnDrop(Some(promise));
        let job = self.spawn_blocking(move || {
            let promise = guard.0.take().expect("promise taken once");
            if promise.set_running() {
                finish(promise, catch_unwind(AssertUnwindSafe(|| f.run())));
            }
        });
        link.arm(job, &fut);
        Ok(fut)
    }

    fn shutdown(&self, _wait: bool, _cancel_futures: bool) {}
}
