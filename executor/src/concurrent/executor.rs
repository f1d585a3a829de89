//! The [`Executor`] and [`Job`] traits, [`SubmitError`] and the [`Map`]
//! iterator.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Future, FutureError};

/// Why [`Executor::submit`] refused a job. The job is handed back.
#[non_exhaustive]
pub enum SubmitError<F> {
    /// [`Executor::shutdown`] was called (Python: `RuntimeError: cannot
    /// schedule new futures after shutdown`).
    ShutDown(F),
    /// The pool is broken, for instance because a worker's initializer
    /// failed (Python `BrokenThreadPool`); the text says why.
    Broken(F, Arc<str>),
    /// The job itself cannot run here, for instance a function not
    /// registered for another process or arguments that cannot be
    /// encoded; the text says why.
    Invalid(F, Arc<str>),
}

impl<F> SubmitError<F> {
    /// The job that was refused.
    pub fn into_inner(self) -> F {
        match self {
            SubmitError::ShutDown(f) | SubmitError::Broken(f, _) | SubmitError::Invalid(f, _) => f,
        }
    }

    /// Whether the executor was shut down.
    pub fn is_shut_down(&self) -> bool {
        matches!(self, SubmitError::ShutDown(_))
    }

    /// Whether the executor is broken.
    pub fn is_broken(&self) -> bool {
        matches!(self, SubmitError::Broken(..))
    }

    /// The same error, carrying `g(job)` instead of the job.
    pub fn map<G>(self, g: impl FnOnce(F) -> G) -> SubmitError<G> {
        match self {
            SubmitError::ShutDown(f) => SubmitError::ShutDown(g(f)),
            SubmitError::Broken(f, why) => SubmitError::Broken(g(f), why),
            SubmitError::Invalid(f, why) => SubmitError::Invalid(g(f), why),
        }
    }
}

impl<F> fmt::Debug for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubmitError::ShutDown(_) => f.write_str("ShutDown(..)"),
            SubmitError::Broken(_, why) => f.debug_tuple("Broken").field(&"..").field(why).finish(),
            SubmitError::Invalid(_, why) => {
                f.debug_tuple("Invalid").field(&"..").field(why).finish()
            }
        }
    }
}

impl<F> fmt::Display for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubmitError::ShutDown(_) => f.write_str("cannot submit a job after shutdown"),
            SubmitError::Broken(_, why) => {
                write!(f, "cannot submit a job: the pool is broken ({why})")
            }
            SubmitError::Invalid(_, why) => write!(f, "cannot submit this job: {why}"),
        }
    }
}

impl<F> std::error::Error for SubmitError<F> {}

/// A unit of work an [`Executor`] runs: what Python passes to
/// `Executor.submit(fn, *args)`.
///
/// Every `FnOnce() -> T + Send + 'static` closure is a job. So is a call of
/// a function registered for another process (the `myrt` crate's
/// `multiprocessing::call(f, args)`): a thread pool runs it in place, a
/// process pool sends it to a worker, so generic code over `E: Executor`
/// works with both. A closure cannot cross into another process: a process
/// pool refuses it with [`SubmitError::Invalid`], as Python's
/// `ProcessPoolExecutor` refuses what it cannot pickle.
pub trait Job: Send + Sized + 'static {
    /// What the job returns.
    type Output: Send + 'static;

    /// Runs the job on the calling thread.
    fn run(self) -> Self::Output;

    /// The job as a call of a registered function, for an executor whose
    /// workers are other processes: the fn item's type id and the argument
    /// tuple. `None` (the default, and what closures give) for a job that
    /// can only run in this process.
    #[doc(hidden)]
    fn __remote(&self) -> Option<(std::any::TypeId, &dyn Any)> {
        None
    }
}

impl<F, T> Job for F
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    type Output = T;

    fn run(self) -> T {
        self()
    }
}

/// Something that runs [`Job`]s and hands back a [`Future`] for each
/// (Python `concurrent.futures.Executor`).
///
/// Implemented by [`ThreadPoolExecutor`](super::ThreadPoolExecutor); the
/// `myrt` runtime's `Handle` implements it over its blocking pool, and its
/// `multiprocessing::ProcessPoolExecutor` over worker processes.
pub trait Executor {
    /// Schedules `job` (usually a closure) to run and returns the
    /// [`Future`] of its result.
    ///
    /// A panic in the job is caught and reported as
    /// [`FutureError::Panicked`].
    ///
    /// # Errors
    ///
    /// [`SubmitError::ShutDown`] after [`shutdown`](Executor::shutdown),
    /// [`SubmitError::Broken`] if the executor cannot run jobs any more,
    /// [`SubmitError::Invalid`] if this executor cannot run this kind of
    /// job (a closure given to a process pool); each hands the job back.
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_executor::concurrent::{Executor, ThreadPoolExecutor};
    ///
    /// let pool = ThreadPoolExecutor::new();
    /// let fut = pool.submit(|| "done").unwrap();
    /// assert_eq!(fut.result().unwrap(), "done");
    /// pool.shutdown(true, false);
    /// assert!(pool.submit(|| "late").unwrap_err().is_shut_down());
    /// ```
    fn submit<J: Job>(&self, job: J) -> Result<Future<J::Output>, SubmitError<J>>;

    /// Stops accepting jobs.
    ///
    /// Jobs already submitted still run, unless `cancel_futures` is set:
    /// then every job that has not started is cancelled (its future reports
    /// [`FutureError::Cancelled`]); running jobs are never interrupted. With
    /// `wait`, blocks until the running jobs are finished and the workers
    /// have exited. Calling it again is harmless.
    fn shutdown(&self, wait: bool, cancel_futures: bool);

    /// Runs `f` on every item concurrently and yields the results in input
    /// order (Python `Executor.map`).
    ///
    /// All jobs are submitted at once, before this returns; the results are
    /// waited for lazily as the iterator is consumed. See [`Map`] for what
    /// it yields; [`map_timeout`](Self::map_timeout) bounds the wait.
    ///
    /// # Errors
    ///
    /// If a submission is refused, the jobs already submitted are cancelled
    /// and the error is returned (without the job).
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_executor::concurrent::{Executor, ThreadPoolExecutor};
    ///
    /// let pool = ThreadPoolExecutor::new();
    /// let squares: Result<Vec<u64>, _> = pool.map(|x: u64| x * x, 1..=4).unwrap().collect();
    /// assert_eq!(squares.unwrap(), [1, 4, 9, 16]);
    /// ```
    fn map<F, I, T>(&self, f: F, items: I) -> Result<Map<T>, SubmitError<()>>
    where
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        I: IntoIterator,
        I::Item: Send + 'static,
        T: Send + 'static,
    {
        map_until(self, f, items, None)
    }

    /// [`map`](Self::map) with a time limit counted from this call (Python
    /// `Executor.map(fn, *iterables, timeout=…)`): once it runs out, the
    /// iterator yields `Err(FutureError::Timeout)` and cancels the calls
    /// left. A timeout too large for the clock waits without limit.
    ///
    /// # Errors
    ///
    /// As [`map`](Self::map).
    ///
    /// # Examples
    ///
    /// ```
    /// use myrt_executor::concurrent::{Executor, ThreadPoolExecutor};
    /// use std::time::Duration;
    ///
    /// let pool = ThreadPoolExecutor::new();
    /// let mut it = pool.map_timeout(|x: u64| x + 1, [1, 2], Duration::from_secs(30)).unwrap();
    /// assert_eq!(it.next().unwrap().unwrap(), 2);
    /// ```
    #[doc(alias = "map")]
    fn map_timeout<F, I, T>(
        &self,
        f: F,
        items: I,
        timeout: Duration,
    ) -> Result<Map<T>, SubmitError<()>>
    where
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        I: IntoIterator,
        I::Item: Send + 'static,
        T: Send + 'static,
    {
        map_until(self, f, items, Instant::now().checked_add(timeout))
    }
}

/// Submits `f` over `items` for [`Executor::map`]; `deadline` bounds the
/// wait for the results (`None`: no limit).
fn map_until<E, F, I, T>(
    executor: &E,
    f: F,
    items: I,
    deadline: Option<Instant>,
) -> Result<Map<T>, SubmitError<()>>
where
    E: Executor + ?Sized,
    F: Fn(I::Item) -> T + Send + Sync + 'static,
    I: IntoIterator,
    I::Item: Send + 'static,
    T: Send + 'static,
{
    let f = Arc::new(f);
    let submits = items.into_iter().map(|item| {
        let f = Arc::clone(&f);
        executor.submit(move || f(item)).map_err(|e| e.map(drop))
    });
    Map::submitted(submits, deadline)
}

/// The results of [`Executor::map`], in input order.
///
/// Each `next()` blocks until the next result is ready and yields:
/// - `Ok(value)`;
/// - `Err(e)` for a call that failed (panicked, was cancelled, ...), at its
///   position; iteration goes on with the next item, so
///   `collect::<Result<Vec<_>, _>>()` stops at the first failure;
/// - `Err(FutureError::Timeout)` if the timeout given to `map` runs out; the
///   call waited for and all later ones are then cancelled and the iterator
///   ends.
///
/// Dropping the iterator cancels the calls that have not started.
pub struct Map<T> {
    futures: VecDeque<Future<T>>,
    deadline: Option<Instant>,
}

impl<T> Map<T> {
    /// The results of the submissions `submits` makes, in their order,
    /// each waited for until `deadline` (`None`: no limit): what
    /// [`Executor::map`] returns, for executors that submit their own way
    /// (a process pool).
    ///
    /// # Errors
    ///
    /// The first refusal; the futures submitted before it are cancelled
    /// and the submissions after it are not made.
    pub fn submitted<I>(submits: I, deadline: Option<Instant>) -> Result<Self, SubmitError<()>>
    where
        I: IntoIterator<Item = Result<Future<T>, SubmitError<()>>>,
    {
        let mut futures = VecDeque::new();
        for fut in submits {
            match fut {
                Ok(fut) => futures.push_back(fut),
                Err(e) => {
                    for fut in &futures {
                        fut.cancel();
                    }
                    return Err(e);
                }
            }
        }
        Ok(Map { futures, deadline })
    }

    fn cancel_rest(&mut self) {
        for fut in self.futures.drain(..) {
            fut.cancel();
        }
    }
}

impl<T> Iterator for Map<T> {
    type Item = Result<T, FutureError>;

    fn next(&mut self) -> Option<Self::Item> {
        let fut = self.futures.pop_front()?;
        let res = fut.result_deadline(self.deadline);
        if let Err(FutureError::Timeout) = res {
            fut.cancel();
            self.cancel_rest();
        }
        Some(res)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.futures.len()))
    }
}

impl<T> Drop for Map<T> {
    fn drop(&mut self) {
        self.cancel_rest();
    }
}

impl<T> fmt::Debug for Map<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Map")
            .field("remaining", &self.futures.len())
            .field("deadline", &self.deadline)
            .finish()
    }
}
