//! [`Pool`] (Python `multiprocessing.Pool`) and [`ProcessPoolExecutor`]
//! (Python `concurrent.futures.ProcessPoolExecutor`): one engine, two
//! policies when a worker dies.

use std::any::{Any, TypeId};
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future as StdFuture;
use std::io;
use std::num::NonZeroUsize;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_core::Stream;
use futures_util::future::{select, Either};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::process::{decode_one, encode_batch, encode_one, entry_of};
use super::registry::{self, DecodeAny, Entry, ProcessFn};
use super::spawn::{self, describe_exit, Worker};
use super::wire::{Batch, FromWorker, RemotePanic, ToWorker};
use crate::executor::{
    self, Executor, Future, FutureError, Map, PanicPayload, Promise, SubmitError,
};
use crate::sync::{Event, Queue};

// ---------------------------------------------------------------------------
// Jobs and where their results go.

/// Where one call's (or one chunk's) results go.
trait Sink: Send {
    /// The job is about to be sent; `false` if nobody wants it any more
    /// (cancelled): it is skipped.
    fn start(&mut self) -> bool;
    /// The worker answered: the encoded results, or why there are none.
    fn reply(self: Box<Self>, body: Result<Vec<u8>, String>);
    /// The job did not complete: `Died` (the worker died running it),
    /// `Broken` (the executor broke), `Cancelled` (terminated).
    fn fail(self: Box<Self>, why: Failure<'_>);
}

#[derive(Clone, Copy)]
enum Failure<'a> {
    Died(&'a str),
    Broken(&'a str),
    Cancelled,
}

struct Job {
    entry: &'static Entry,
    batch: Vec<u8>,
    sink: Box<dyn Sink>,
}

/// A decoded reply to one call: the value or the remote panic; `Err` if
/// the reply cannot be decoded.
type Decoded<R> = Result<Result<R, RemotePanic>, String>;

/// How a [`One`] decodes its reply into an `R`.
enum Decode<R> {
    /// Submitted with its types known: no box.
    Typed(fn(&[u8]) -> Decoded<R>),
    /// Through the `Executor` trait: the function's [`DecodeAny`], whose
    /// value is an `R` (checked at submit).
    Erased(DecodeAny),
}

impl<R: 'static> Decode<R> {
    fn decode(&self, body: &[u8]) -> Decoded<R> {
        match self {
            Decode::Typed(f) => f(body),
            Decode::Erased(f) => Ok(match f(body)? {
                Ok(v) => Ok(*v
                    .downcast::<R>()
                    .map_err(|_| "the function's result is not of the expected type".to_owned())?),
                Err(remote) => Err(remote),
            }),
        }
    }
}

/// One call completing one [`Promise`].
struct One<R>(Option<Promise<R>>, Decode<R>);

impl<R: Send + 'static> Sink for One<R> {
    fn start(&mut self) -> bool {
        self.0.as_ref().is_some_and(Promise::set_running)
    }

    fn reply(mut self: Box<Self>, body: Result<Vec<u8>, String>) {
        let Some(p) = self.0.take() else { return };
        match body.and_then(|b| self.1.decode(&b)) {
            Ok(Ok(v)) => {
                let _ = p.set_result(v);
            }
            Ok(Err(RemotePanic { message, location })) => {
                let _ = p.set_remote_panic(message, location);
            }
            Err(why) => {
                let _ = p.set_remote_panic(why, None);
            }
        }
    }

    fn fail(mut self: Box<Self>, why: Failure<'_>) {
        let Some(p) = self.0.take() else { return };
        match why {
            Failure::Died(w) => {
                let _ = p.set_worker_died(w);
            }
            Failure::Broken(w) => {
                let _ = p.set_broken(w);
            }
            Failure::Cancelled => {
                let _ = p.set_cancelled();
            }
        }
    }
}

/// Decodes a chunk's reply into its results.
fn decode_chunk<R: DeserializeOwned>(body: Result<Vec<u8>, String>) -> Result<Vec<R>, FutureError> {
    let remote = |message: String, location: Option<String>| {
        let payload = PanicPayload::new(Box::new(message));
        FutureError::Panicked(match location {
            Some(at) => payload.with_location(at),
            None => payload,
        })
    };
    let bytes = body.map_err(|why| remote(why, None))?;
    let batch: Batch<R> = postcard::from_bytes(&bytes)
        .map_err(|e| remote(format!("cannot decode the results: {e}"), None))?;
    match batch {
        Batch::AllOk(v) => Ok(v),
        Batch::Mixed(items) => items
            .into_iter()
            .map(|r| r.map_err(|p| remote(p.message, p.location)))
            .collect(),
    }
}

fn failure_error(why: Failure<'_>) -> FutureError {
    match why {
        Failure::Died(w) => FutureError::WorkerDied(w.to_owned()),
        Failure::Broken(w) => FutureError::BrokenPool(w.to_owned()),
        Failure::Cancelled => FutureError::Cancelled,
    }
}

/// The chunks of one `map`, gathered into one promise of the whole list.
struct Gather<R> {
    state: Mutex<GatherState<R>>,
}

struct GatherState<R> {
    chunks: Vec<Option<Vec<R>>>,
    left: usize,
    promise: Option<Promise<Vec<R>>>,
    started: bool,
}

struct GatherChunk<R> {
    gather: Arc<Gather<R>>,
    index: usize,
}

impl<R: DeserializeOwned + Send + 'static> GatherChunk<R> {
    fn finish(&self, result: Result<Vec<R>, FutureError>) {
        let mut st = self
            .gather
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if st.promise.is_none() {
            // The map already failed (or was cancelled).
            return;
        }
        match result {
            Ok(v) => {
                st.chunks[self.index] = Some(v);
                st.left -= 1;
                if st.left == 0 {
                    let p = st.promise.take().expect("checked above");
                    let total = st.chunks.iter().flatten().map(Vec::len).sum();
                    let mut all: Vec<R> = Vec::with_capacity(total);
                    for chunk in st.chunks.drain(..).flatten() {
                        all.extend(chunk);
                    }
                    drop(st);
                    let _ = p.set_result(all);
                }
            }
            Err(e) => {
                // The first failure fails the whole map (Python raises it).
                let p = st.promise.take().expect("checked above");
                drop(st);
                complete_with_error(p, e);
            }
        }
    }
}

/// Finishes `p` with the error `e` stands for.
fn complete_with_error<R>(p: Promise<R>, e: FutureError) {
    match e {
        FutureError::Panicked(payload) => {
            let msg = payload.message().unwrap_or("Box<dyn Any>").to_owned();
            let at = payload.location().map(str::to_owned);
            p.set_remote_panic(msg, at);
        }
        FutureError::WorkerDied(w) => {
            let _ = p.set_worker_died(&w);
        }
        FutureError::BrokenPool(w) => {
            let _ = p.set_broken(&w);
        }
        _ => {
            let _ = p.set_cancelled();
        }
    }
}

impl<R: DeserializeOwned + Send + 'static> Sink for GatherChunk<R> {
    fn start(&mut self) -> bool {
        let mut st = self
            .gather
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(p) = st.promise.as_ref() else {
            return false;
        };
        if !st.started {
            if !p.set_running() {
                st.promise = None;
                return false;
            }
            st.started = true;
        }
        true
    }

    fn reply(self: Box<Self>, body: Result<Vec<u8>, String>) {
        self.finish(decode_chunk(body));
    }

    fn fail(self: Box<Self>, why: Failure<'_>) {
        self.finish(Err(failure_error(why)));
    }
}

/// A chunk of an `imap`, delivered to its iterator's queue.
struct StreamChunk<R> {
    out: Arc<Queue<ChunkResult<R>>>,
    dropped: Arc<AtomicBool>,
    index: usize,
    delivered: bool,
}

impl<R> StreamChunk<R> {
    fn deliver(&mut self, r: Result<Vec<R>, FutureError>) {
        self.delivered = true;
        let _ = self.out.put_nowait((self.index, r));
    }
}

impl<R> Drop for StreamChunk<R> {
    fn drop(&mut self) {
        // Dropped unrun (the runtime shut down under the pool): the
        // iterator must not wait for it forever.
        if !self.delivered {
            let _ = self
                .out
                .put_nowait((self.index, Err(FutureError::Abandoned)));
        }
    }
}

impl<R: DeserializeOwned + Send + 'static> Sink for StreamChunk<R> {
    fn start(&mut self) -> bool {
        !self.dropped.load(Ordering::Acquire)
    }

    fn reply(mut self: Box<Self>, body: Result<Vec<u8>, String>) {
        self.deliver(decode_chunk(body));
    }

    fn fail(mut self: Box<Self>, why: Failure<'_>) {
        self.deliver(Err(failure_error(why)));
    }
}

// ---------------------------------------------------------------------------
// The job queue.

/// The pool's queued jobs: a FIFO whose length a semaphore counts, so
/// drivers await a job, and can also take the next one only if it calls
/// the same function as the call they run and no idle driver is waiting
/// for it (see [`JobQueue::take_similar`]).
struct JobQueue {
    state: Mutex<JobState>,
    /// One permit per queued job; closed when the queue is.
    ready: crate::sync::Semaphore,
}

#[derive(Default)]
struct JobState {
    jobs: std::collections::VecDeque<Job>,
    closed: bool,
}

impl JobQueue {
    fn new() -> Self {
        JobQueue {
            state: Mutex::new(JobState::default()),
            ready: crate::sync::Semaphore::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, JobState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues `job`, unless the queue is closed.
    fn push(&self, job: Job) -> Result<(), Job> {
        let mut st = self.lock();
        if st.closed {
            return Err(job);
        }
        st.jobs.push_back(job);
        drop(st);
        // Fails only once closed (then drivers drain without permits).
        let _ = self.ready.release(1);
        Ok(())
    }

    /// The next job; `None` once the queue is closed and empty.
    ///
    /// Cancel safe: a job is only taken when this returns it.
    async fn pop(&self) -> Option<Job> {
        loop {
            match self.ready.acquire().await {
                Ok(permit) => {
                    permit.forget();
                    // Each permit stands for one queued job.
                    if let Some(job) = self.lock().jobs.pop_front() {
                        return Some(job);
                    }
                }
                Err(_) => {
                    // Closed: drain what is left, then end.
                    return self.lock().jobs.pop_front();
                }
            }
        }
    }

    /// The next job if it calls `entry` and no driver is waiting for a
    /// job (its permit is free): a job is only sent ahead to a busy worker
    /// when no idle one could take it, and only if it is another call of
    /// the function that worker runs, so a call is never stuck behind a
    /// call of another function it may be feeding (a consumer and its
    /// producer through a `Queue`).
    fn take_similar(&self, entry: &'static Entry) -> Option<Job> {
        let mut st = self.lock();
        if !st
            .jobs
            .front()
            .is_some_and(|j| std::ptr::eq(j.entry, entry))
        {
            return None;
        }
        let permit = self.ready.try_acquire().ok()?;
        permit.forget();
        st.jobs.pop_front()
    }

    /// Closes the queue; queued jobs can still be taken.
    fn close(&self) {
        self.lock().closed = true;
        self.ready.close();
    }

    /// Closes the queue and takes every queued job.
    fn drain(&self) -> Vec<Job> {
        let mut st = self.lock();
        st.closed = true;
        let jobs = st.jobs.drain(..).collect();
        drop(st);
        self.ready.close();
        jobs
    }

    fn len(&self) -> usize {
        self.lock().jobs.len()
    }
}

// ---------------------------------------------------------------------------
// The engine.

struct Inner {
    jobs: JobQueue,
    state: Mutex<PoolState>,
    /// Set by `terminate` (and when an executor breaks): drivers kill
    /// their workers and stop.
    terminate: Event,
    /// Set when every driver has stopped and reaped its worker.
    done: Event,
    /// `Pool` replaces a dead worker; `ProcessPoolExecutor` breaks.
    respawn: bool,
    max_tasks_per_child: Option<NonZeroUsize>,
    initializer: Option<(&'static Entry, Vec<u8>)>,
    processes: usize,
    number: u64,
}

#[derive(Default)]
struct PoolState {
    closed: bool,
    broken: Option<Arc<str>>,
    drivers: usize,
    /// The live worker of each slot.
    pids: Vec<Option<u32>>,
    /// Workers started so far (respawns and recycling included).
    started: u64,
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn submit(&self, job: Job) -> Result<(), (Job, Refusal)> {
        let st = self.lock();
        if let Some(why) = &st.broken {
            return Err((job, Refusal::Broken(Arc::clone(why))));
        }
        if st.closed {
            return Err((job, Refusal::Closed));
        }
        // Under the state lock, so `close` cannot slip in between.
        self.jobs.push(job).map_err(|job| (job, Refusal::Closed))
    }

    /// Breaks the pool: later submits are refused and every job not yet
    /// finished fails with `BrokenPool(why)` (Python `BrokenProcessPool`).
    fn break_pool(&self, why: &str) {
        {
            let mut st = self.lock();
            if st.broken.is_some() {
                return;
            }
            st.broken = Some(why.into());
            st.closed = true;
        }
        self.fail_queued(Failure::Broken(why));
        self.terminate.set();
    }

    fn fail_queued(&self, why: Failure<'_>) {
        for job in self.jobs.drain() {
            job.sink.fail(why);
        }
    }

    fn broken_reason(&self) -> Option<Arc<str>> {
        self.lock().broken.clone()
    }
}

enum Refusal {
    Closed,
    Broken(Arc<str>),
}

impl Refusal {
    fn into_io(self) -> io::Error {
        match self {
            Refusal::Closed => {
                io::Error::other("the pool is closed (Python: \"Pool not running\")")
            }
            Refusal::Broken(why) => io::Error::other(format!("the pool is broken: {why}")),
        }
    }
}

/// Decrements the live drivers when a driver ends, however it ends.
struct DriverExit(Arc<Inner>);

impl Drop for DriverExit {
    fn drop(&mut self) {
        let last = {
            let mut st = self.0.lock();
            st.drivers -= 1;
            st.drivers == 0
        };
        if last {
            // Jobs nobody will run (runtime shutdown): fail, never hang.
            self.0.fail_queued(Failure::Cancelled);
            self.0.done.set();
        }
    }
}

/// Starts the worker of `slot` and runs the initializer in it.
async fn start_worker(inner: &Inner, slot: usize) -> Result<Worker, String> {
    let name = {
        let mut st = inner.lock();
        st.started += 1;
        format!("Pool-{}-worker-{}", inner.number, st.started)
    };
    let mut w = spawn::start(name, true).map_err(|e| format!("cannot start a worker: {e}"))?;
    inner.lock().pids[slot] = Some(w.pid);
    if let Some((entry, batch)) = &inner.initializer {
        let failed = match or_terminate(inner, w.conn.call(entry, batch)).await {
            Wake::Done(Ok(body)) => {
                let outcome = body.and_then(|b| decode_one::<()>(&b)).and_then(|r| {
                    r.map_err(|p| match p.location {
                        Some(at) => format!("{} at {at}", p.message),
                        None => p.message,
                    })
                });
                match outcome {
                    Ok(()) => None,
                    Err(e) => {
                        let _ = w.child.kill().await;
                        Some(format!("the initializer failed in {}: {e}", w.name))
                    }
                }
            }
            Wake::Done(Err(e)) => {
                let why = reap(&mut w, &e).await;
                Some(format!("the initializer did not complete: {why}"))
            }
            Wake::Terminate => {
                let _ = w.child.kill().await;
                Some("the pool was terminated while a worker ran its initializer".to_owned())
            }
        };
        if let Some(why) = failed {
            inner.lock().pids[slot] = None;
            return Err(why);
        }
    }
    Ok(w)
}

/// Waits for a worker whose channel failed, and says how it ended.
async fn reap(w: &mut Worker, e: &io::Error) -> String {
    // A worker that closed its channel is exiting; one that sent garbage
    // is killed.
    if e.kind() != io::ErrorKind::UnexpectedEof {
        let _ = w.child.start_kill();
    }
    match w.child.wait().await {
        Ok(st) => format!("worker {} ({}) {}", w.pid, w.name, describe_exit(&st)),
        Err(err) => format!("worker {} ({}) was lost: {e}; {err}", w.pid, w.name),
    }
}

/// Retires a worker: tells it to exit, or kills it when terminating, and
/// reaps it.
async fn retire(inner: &Inner, slot: usize, mut w: Worker, kill: bool) {
    if kill || w.conn.send(&ToWorker::Exit { code: 0 }).await.is_err() {
        let _ = w.child.start_kill();
    }
    let _ = w.child.wait().await;
    inner.lock().pids[slot] = None;
}

/// How many calls a worker may hold at once when its calls are short:
/// the one it runs and the next ones, already in its socket, so it does
/// not wait for the parent between two jobs (with one call at a time,
/// each short job costs a sleep and a wake-up on both sides).
const MAX_PIPELINE: usize = 16;

/// A call answered faster than this counts as short: the worker then gets
/// up to [`MAX_PIPELINE`] calls at once. After a longer one it gets one at
/// a time, so a job never waits behind a long job in one worker while
/// another worker is idle.
const SHORT_CALL: Duration = Duration::from_micros(200);

/// What ended a wait of the driver.
enum Wake<T> {
    Done(T),
    Terminate,
}

/// `fut`, unless `terminate` is set first.
async fn or_terminate<T>(inner: &Inner, fut: impl StdFuture<Output = T>) -> Wake<T> {
    match select(Box::pin(fut), Box::pin(inner.terminate.wait())).await {
        Either::Left((v, _)) => Wake::Done(v),
        Either::Right(_) => Wake::Terminate,
    }
}

/// One worker slot: takes jobs and runs them in its worker, up to
/// [`MAX_PIPELINE`] at a time while they are short, answered in order; replaces the worker when it
/// dies (a `Pool`) or is recycled (`max_tasks_per_child`).
async fn drive(inner: Arc<Inner>, slot: usize, exit: DriverExit) {
    // Made before the task was spawned: dropped even if it never runs.
    let _exit = exit;
    let mut worker: Option<Worker> = None;
    // Calls sent to the worker, oldest (the running one) first.
    let mut inflight: std::collections::VecDeque<Job> = std::collections::VecDeque::new();
    // Calls that were waiting in a worker that died: sent again first.
    let mut retry: std::collections::VecDeque<Job> = std::collections::VecDeque::new();
    // Calls sent to the current worker (for `max_tasks_per_child`).
    let mut sent = 0usize;
    let mut queue_open = true;
    let quota = inner
        .max_tasks_per_child
        .map_or(usize::MAX, NonZeroUsize::get);
    // Calls the worker may hold (see `SHORT_CALL`), and since when the
    // oldest call in flight has been the worker's.
    let mut depth = 1;
    let mut head_since = Instant::now();
    'run: loop {
        if worker.is_none() {
            if inner.terminate.is_set() || (!queue_open && retry.is_empty()) {
                break;
            }
            match start_worker(&inner, slot).await {
                Ok(w) => worker = Some(w),
                Err(why) => {
                    for job in retry.drain(..) {
                        job.sink.fail(Failure::Broken(&why));
                    }
                    inner.break_pool(&why);
                    break;
                }
            }
            sent = 0;
            depth = 1;
        }
        let w = worker.as_mut().expect("started above");
        // Fill the pipeline once it is half empty (so calls go out several
        // per write); wait for a job only when nothing is in flight.
        let refill = inflight.len() <= depth / 2;
        while refill && inflight.len() < depth && sent < quota {
            let job = if let Some(job) = retry.pop_front() {
                job
            } else if !queue_open {
                break;
            } else if inflight.is_empty() {
                // Idle: wait for a job, and watch the worker meanwhile (it
                // sends nothing while idle, so anything it sends, its end
                // of stream above all, means it is gone).
                let idle = select(Box::pin(inner.jobs.pop()), Box::pin(w.conn.recv()));
                let woke = match or_terminate(&inner, idle).await {
                    Wake::Done(Either::Left((job, _))) => Ok(job),
                    Wake::Done(Either::Right((Err(e), _))) => Err(Some(e)),
                    Wake::Done(Either::Right((Ok(None), _))) => Err(Some(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the channel closed",
                    ))),
                    Wake::Done(Either::Right((Ok(Some(_)), _))) => Err(Some(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the worker spoke while idle",
                    ))),
                    Wake::Terminate => Err(None),
                };
                let next = match woke {
                    Ok(job) => job,
                    Err(None) => break 'run,
                    Err(Some(e)) => {
                        let mut dead = worker.take().expect("running");
                        let why = format!("{} while idle", reap(&mut dead, &e).await);
                        inner.lock().pids[slot] = None;
                        if !inner.respawn {
                            // Python's ProcessPoolExecutor breaks too.
                            inner.break_pool(&why);
                            break 'run;
                        }
                        // No job was lost: start a successor.
                        continue 'run;
                    }
                };
                match next {
                    Some(mut job) => {
                        if !job.sink.start() {
                            continue;
                        }
                        job
                    }
                    None => {
                        queue_open = false;
                        break;
                    }
                }
            } else {
                let head = inflight.front().expect("not empty").entry;
                match inner.jobs.take_similar(head) {
                    Some(mut job) => {
                        if !job.sink.start() {
                            continue;
                        }
                        job
                    }
                    None => break,
                }
            };
            match w.conn.queue_call(job.entry, &job.batch) {
                Ok(()) => {
                    sent += 1;
                    if inflight.is_empty() {
                        head_since = Instant::now();
                    }
                    inflight.push_back(job);
                }
                // Not encodable into a frame (too large): that job fails.
                Err(e) => job.sink.reply(Err(e.to_string())),
            }
        }
        if inflight.is_empty() {
            if sent >= quota {
                let w = worker.take().expect("running");
                retire(&inner, slot, w, false).await;
                continue;
            }
            break;
        }
        let answer = match or_terminate(&inner, w.conn.flush_and_recv()).await {
            Wake::Done(r) => r,
            Wake::Terminate => break,
        };
        match answer {
            Ok(Some(FromWorker::Reply { body, .. })) => {
                let job = inflight.pop_front().expect("a call in flight");
                job.sink.reply(body.map_err(|e| e.to_string()));
                let now = Instant::now();
                depth = if now - head_since < SHORT_CALL {
                    MAX_PIPELINE
                } else {
                    1
                };
                head_since = now;
                if sent >= quota && inflight.is_empty() {
                    let w = worker.take().expect("running");
                    retire(&inner, slot, w, false).await;
                }
            }
            Ok(None) | Err(_) => {
                let e = match answer {
                    Err(e) => e,
                    _ => io::Error::new(io::ErrorKind::UnexpectedEof, "the channel closed"),
                };
                let mut w = worker.take().expect("running");
                let job = inflight.pop_front().expect("a call in flight");
                let why = format!(
                    "{} while running `{}`",
                    reap(&mut w, &e).await,
                    job.entry.name()
                );
                inner.lock().pids[slot] = None;
                if inner.respawn {
                    // Only the running call is lost; the ones waiting in
                    // the worker go to its successor.
                    job.sink.fail(Failure::Died(&why));
                    while let Some(j) = inflight.pop_back() {
                        retry.push_front(j);
                    }
                } else {
                    job.sink.fail(Failure::Broken(&why));
                    for j in inflight.drain(..) {
                        j.sink.fail(Failure::Broken(&why));
                    }
                    inner.break_pool(&why);
                    break;
                }
            }
        }
    }
    // Terminated, broken, or the queue ran dry.
    let why = inner.broken_reason();
    for job in inflight.drain(..).chain(retry.drain(..)) {
        match &why {
            Some(why) => job.sink.fail(Failure::Broken(why)),
            None => job.sink.fail(Failure::Cancelled),
        }
    }
    if let Some(w) = worker.take() {
        let kill = inner.terminate.is_set();
        retire(&inner, slot, w, kill).await;
    }
}

/// Configures a [`Pool`] or a [`ProcessPoolExecutor`] (Python's
/// `processes`/`max_workers`, `initializer`/`initargs`,
/// `maxtasksperchild`/`max_tasks_per_child`).
#[must_use]
pub struct PoolBuilder {
    processes: usize,
    initializer: Option<io::Result<(&'static Entry, Vec<u8>)>>,
    max_tasks_per_child: Option<NonZeroUsize>,
}

impl fmt::Debug for PoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBuilder")
            .field("processes", &self.processes)
            .field(
                "initializer",
                &self
                    .initializer
                    .as_ref()
                    .map(|i| i.as_ref().map(|(e, _)| e.name()).ok()),
            )
            .field("max_tasks_per_child", &self.max_tasks_per_child)
            .finish()
    }
}

impl Default for PoolBuilder {
    fn default() -> Self {
        PoolBuilder::new()
    }
}

impl PoolBuilder {
    /// One worker per CPU, no initializer, workers never recycled.
    pub fn new() -> Self {
        PoolBuilder {
            processes: std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
            initializer: None,
            max_tasks_per_child: None,
        }
    }

    /// The number of worker processes (Python `processes`,
    /// `max_workers`); at least 1.
    #[doc(alias("max_workers"))]
    pub fn processes(mut self, n: usize) -> Self {
        self.processes = n;
        self
    }

    /// Runs `f(args…)` in each worker when it starts (Python
    /// `initializer=f, initargs=args`). If it panics the pool breaks:
    /// later submits are refused and pending jobs fail with
    /// [`FutureError::BrokenPool`] naming the panic (Python's `Pool` would
    /// respawn such workers forever).
    pub fn initializer<F, A>(mut self, f: F, args: A) -> Self
    where
        F: ProcessFn<A, Output = ()>,
        A: Serialize,
    {
        let _ = f;
        self.initializer = Some(entry_of::<F>().and_then(|e| Ok((e, encode_one(&args)?))));
        self
    }

    /// Replaces a worker after it ran `n` jobs (Python
    /// `maxtasksperchild`, `max_tasks_per_child`); `None` (the default)
    /// keeps workers for the pool's life.
    #[doc(alias("maxtasksperchild"))]
    pub fn max_tasks_per_child(mut self, n: Option<NonZeroUsize>) -> Self {
        self.max_tasks_per_child = n;
        self
    }

    fn start(self, respawn: bool) -> io::Result<Arc<Inner>> {
        static POOLS: AtomicU64 = AtomicU64::new(1);
        if self.processes == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a pool needs at least one process",
            ));
        }
        let initializer = self.initializer.transpose()?;
        let handle = crate::runtime::Handle::checked_current().map_err(io::Error::other)?;
        let inner = Arc::new(Inner {
            jobs: JobQueue::new(),
            state: Mutex::new(PoolState {
                drivers: self.processes,
                pids: vec![None; self.processes],
                ..PoolState::default()
            }),
            terminate: Event::new(),
            done: Event::new(),
            respawn,
            max_tasks_per_child: self.max_tasks_per_child,
            initializer,
            processes: self.processes,
            number: POOLS.fetch_add(1, Ordering::Relaxed),
        });
        for slot in 0..self.processes {
            let exit = DriverExit(Arc::clone(&inner));
            drop(handle.spawn(drive(Arc::clone(&inner), slot, exit)));
        }
        Ok(inner)
    }

    /// Starts a [`Pool`] on the current runtime.
    ///
    /// # Errors
    ///
    /// Zero processes, an unregistered initializer, outside a runtime.
    /// Workers start in the background; one that cannot start breaks the
    /// pool (its jobs then fail with [`FutureError::BrokenPool`]).
    pub fn build(self) -> io::Result<Pool> {
        Ok(Pool {
            inner: self.start(true)?,
        })
    }

    /// Starts a [`ProcessPoolExecutor`] on the current runtime.
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build).
    pub fn build_executor(self) -> io::Result<ProcessPoolExecutor> {
        Ok(ProcessPoolExecutor {
            inner: self.start(false)?,
        })
    }
}

// ---------------------------------------------------------------------------
// Pool.

/// A pool of worker processes (Python `multiprocessing.Pool`).
///
/// | Python | myrt |
/// | --- | --- |
/// | `Pool(n, initializer, initargs, maxtasksperchild)` | [`Pool::new`]`(n)`, [`Pool::builder`] |
/// | `apply(f, args)` | [`apply`](Self::apply)`(f, args).await` |
/// | `apply_async(f, args, callback)` | [`apply_async`](Self::apply_async) → [`Future`] (`add_done_callback`, `.await`, `result_timeout`, `cancel`) |
/// | `map(f, it, chunksize)`, `map_async` | [`map`](Self::map) → `Future<Vec<R>>` |
/// | `starmap(f, it)` | [`starmap`](Self::starmap) |
/// | `imap(f, it, chunksize)`, `imap_unordered` | [`imap`](Self::imap), [`imap_unordered`](Self::imap_unordered) → [`IMap`]: a `Stream`, and an `Iterator` by `into_iter()` |
/// | `close()`, `terminate()`, `join()` | [`close`](Self::close), [`terminate`](Self::terminate), [`join`](Self::join)`().await` / [`join_blocking`](Self::join_blocking) |
/// | `with Pool() as p:` (terminates at the end) | dropping the `Pool` terminates it |
///
/// Functions must be marked [`#[myrt::process_fn]`](crate::process_fn).
///
/// A worker that dies mid-job (killed, aborted, out of memory) fails that
/// job alone with [`FutureError::WorkerDied`], naming the worker, how it
/// ended and the function; a new worker takes its place. (Python's `Pool`
/// hangs in that case.)
///
/// # Examples
///
/// ```no_run
/// #[myrt::process_fn]
/// fn square(x: u64) -> u64 {
///     x * x
/// }
///
/// #[myrt::main]
/// async fn main() {
///     let pool = myrt::multiprocessing::Pool::new(2).unwrap();
///     let squares = pool.map(square, 1..=4, 0).unwrap().await.unwrap();
///     assert_eq!(squares, [1, 4, 9, 16]);
/// }
/// ```
pub struct Pool {
    inner: Arc<Inner>,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_pool("Pool", &self.inner, f)
    }
}

fn debug_pool(kind: &str, inner: &Inner, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let st = inner.lock();
    f.debug_struct(kind)
        .field("processes", &inner.processes)
        .field("pids", &st.pids)
        .field("closed", &st.closed)
        .field("broken", &st.broken)
        .field("queued", &inner.jobs.len())
        .finish()
}

/// Python's default chunk size: items spread over four chunks per worker.
fn auto_chunksize(items: usize, processes: usize) -> usize {
    let per = processes.saturating_mul(4).max(1);
    items.div_ceil(per).max(1)
}

/// Encodes the items of a map in chunks of `chunksize` (0: automatic).
fn chunks<A: Serialize>(
    items: Vec<A>,
    chunksize: usize,
    processes: usize,
) -> io::Result<Vec<Vec<u8>>> {
    let size = if chunksize == 0 {
        auto_chunksize(items.len(), processes)
    } else {
        chunksize
    };
    items.chunks(size).map(encode_batch).collect()
}

impl Pool {
    /// A pool of `processes` workers (Python `Pool(processes)`).
    ///
    /// # Errors
    ///
    /// As [`PoolBuilder::build`].
    pub fn new(processes: usize) -> io::Result<Pool> {
        PoolBuilder::new().processes(processes).build()
    }

    /// A builder for the other options.
    pub fn builder() -> PoolBuilder {
        PoolBuilder::new()
    }

    /// The pids of the workers running now (none while one is being
    /// replaced).
    pub fn pids(&self) -> Vec<u32> {
        self.inner.lock().pids.iter().flatten().copied().collect()
    }

    /// Runs `f(args…)` in a worker and returns its [`Future`] (Python
    /// `apply_async`): `.await` it from a task, `result()` it from a
    /// thread, `cancel()` it while queued, `add_done_callback`.
    ///
    /// # Errors
    ///
    /// `NotFound` if `f` is not a `#[myrt::process_fn]`, `InvalidInput`
    /// if the arguments cannot be encoded, an error once the pool is
    /// closed or broken.
    pub fn apply_async<F, A>(&self, f: F, args: A) -> io::Result<Future<F::Output>>
    where
        F: ProcessFn<A>,
        A: Serialize,
        F::Output: DeserializeOwned + Send + 'static,
    {
        let _ = f;
        submit_one::<F, A>(&self.inner, &args).map_err(|e| match e {
            NotQueued::Invalid(e) => e,
            NotQueued::Refused(why) => why.into_io(),
        })
    }

    /// Runs `f(args…)` in a worker and waits for it (Python `apply`).
    ///
    /// # Errors
    ///
    /// As [`apply_async`](Self::apply_async), and the job's
    /// [`FutureError`] (wrapped in an `io::Error`; `get_ref` and
    /// `downcast_ref::<FutureError>` give it back).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves the job running; its result is dropped.
    pub async fn apply<F, A>(&self, f: F, args: A) -> io::Result<F::Output>
    where
        F: ProcessFn<A>,
        A: Serialize,
        F::Output: DeserializeOwned + Send + 'static,
    {
        self.apply_async(f, args)?.await.map_err(io::Error::other)
    }

    /// `f(x)` for every item, in order, as one [`Future`] of the list
    /// (Python `map` / `map_async`). Items travel in chunks of
    /// `chunksize` (0: Python's default, four chunks per worker); the
    /// first failing call fails the whole map.
    ///
    /// # Errors
    ///
    /// As [`apply_async`](Self::apply_async).
    pub fn map<F, A, I>(
        &self,
        f: F,
        items: I,
        chunksize: usize,
    ) -> io::Result<Future<Vec<F::Output>>>
    where
        F: ProcessFn<(A,)>,
        A: Serialize,
        I: IntoIterator<Item = A>,
        F::Output: DeserializeOwned + Send + 'static,
    {
        self.starmap(f, items.into_iter().map(|a| (a,)), chunksize)
    }

    /// [`map`](Self::map) for functions of several arguments, each item
    /// their tuple (Python `starmap`).
    ///
    /// # Errors
    ///
    /// As [`apply_async`](Self::apply_async).
    pub fn starmap<F, A, I>(
        &self,
        f: F,
        items: I,
        chunksize: usize,
    ) -> io::Result<Future<Vec<F::Output>>>
    where
        F: ProcessFn<A>,
        A: Serialize,
        I: IntoIterator<Item = A>,
        F::Output: DeserializeOwned + Send + 'static,
    {
        let _ = f;
        let entry = entry_of::<F>()?;
        let batches = chunks(items.into_iter().collect(), chunksize, self.inner.processes)?;
        let (future, promise) = Future::pending();
        if batches.is_empty() {
            let _ = promise.set_result(Vec::new());
            return Ok(future);
        }
        let gather = Arc::new(Gather {
            state: Mutex::new(GatherState {
                chunks: (0..batches.len()).map(|_| None).collect(),
                left: batches.len(),
                promise: Some(promise),
                started: false,
            }),
        });
        for (index, batch) in batches.into_iter().enumerate() {
            let sink = Box::new(GatherChunk {
                gather: Arc::clone(&gather),
                index,
            });
            if let Err((job, why)) = self.inner.submit(Job { entry, batch, sink }) {
                drop(job);
                future.cancel();
                return Err(why.into_io());
            }
        }
        Ok(future)
    }

    /// `f(x)` for every item, yielded in input order as results arrive
    /// (Python `imap`).
    ///
    /// # Errors
    ///
    /// As [`apply_async`](Self::apply_async).
    pub fn imap<F, A, I>(&self, f: F, items: I, chunksize: usize) -> io::Result<IMap<F::Output>>
    where
        F: ProcessFn<(A,)>,
        A: Serialize,
        I: IntoIterator<Item = A>,
        F::Output: DeserializeOwned + Send + 'static,
    {
        let _ = f;
        imap_impl::<F, (A,), _>(
            &self.inner,
            items.into_iter().map(|a| (a,)),
            chunksize,
            true,
        )
    }

    /// `f(x)` for every item, yielded as each chunk completes (Python
    /// `imap_unordered`).
    ///
    /// # Errors
    ///
    /// As [`apply_async`](Self::apply_async).
    pub fn imap_unordered<F, A, I>(
        &self,
        f: F,
        items: I,
        chunksize: usize,
    ) -> io::Result<IMap<F::Output>>
    where
        F: ProcessFn<(A,)>,
        A: Serialize,
        I: IntoIterator<Item = A>,
        F::Output: DeserializeOwned + Send + 'static,
    {
        let _ = f;
        imap_impl::<F, (A,), _>(
            &self.inner,
            items.into_iter().map(|a| (a,)),
            chunksize,
            false,
        )
    }

    /// Accepts no more jobs (Python `close`); queued jobs still run, then
    /// the workers exit. [`join`](Self::join) waits for that.
    pub fn close(&self) {
        let mut st = self.inner.lock();
        st.closed = true;
        self.inner.jobs.close();
    }

    /// Stops at once (Python `terminate`): workers are killed, queued and
    /// running jobs fail with [`FutureError::Cancelled`]. Dropping the pool
    /// does this.
    pub fn terminate(&self) {
        terminate(&self.inner);
    }

    /// Waits until every worker has exited and been reaped, after
    /// [`close`](Self::close) or [`terminate`](Self::terminate) (Python
    /// `join`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn join(&self) {
        self.inner.done.wait().await;
    }

    /// [`join`](Self::join) for a thread, bounded by `timeout`; `true` if
    /// every worker is gone. Not on a thread that drives the pool's
    /// runtime (a `current_thread` runtime's `block_on`).
    #[doc(alias = "join")]
    pub fn join_blocking(&self, timeout: Duration) -> bool {
        self.inner.done.blocking_wait_timeout(timeout)
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        terminate(&self.inner);
    }
}

fn terminate(inner: &Inner) {
    inner.lock().closed = true;
    inner.fail_queued(Failure::Cancelled);
    inner.terminate.set();
}

/// Why [`submit_one`] did not queue a job.
enum NotQueued {
    /// The job cannot run: an unregistered function or arguments that do
    /// not encode.
    Invalid(io::Error),
    /// The pool refused it (closed or broken).
    Refused(Refusal),
}

impl NotQueued {
    /// The [`SubmitError`] that hands `job` back.
    fn give_back<J>(self, job: J) -> SubmitError<J> {
        match self {
            NotQueued::Invalid(e) => SubmitError::Invalid(job, e.to_string().into()),
            NotQueued::Refused(Refusal::Broken(why)) => SubmitError::Broken(job, why),
            NotQueued::Refused(Refusal::Closed) => SubmitError::ShutDown(job),
        }
    }
}

fn submit_one<F, A>(inner: &Inner, args: &A) -> Result<Future<F::Output>, NotQueued>
where
    F: ProcessFn<A>,
    A: Serialize,
    F::Output: DeserializeOwned + Send + 'static,
{
    let entry = entry_of::<F>().map_err(NotQueued::Invalid)?;
    let batch = encode_one(args).map_err(NotQueued::Invalid)?;
    queue_one(inner, entry, batch, Decode::Typed(decode_one::<F::Output>))
}

/// A job of another process's kind through the [`Executor`] trait: `job`
/// must be a call of a registered function whose result is a `T`.
fn submit_erased<T: Send + 'static>(
    inner: &Inner,
    type_id: TypeId,
    args: &dyn Any,
) -> Result<Future<T>, NotQueued> {
    let invalid =
        |why: String| NotQueued::Invalid(io::Error::new(io::ErrorKind::InvalidInput, why));
    let entry = registry::by_type(type_id).ok_or_else(|| {
        invalid("the function cannot run in another process: only functions marked #[myrt::process_fn] can".to_owned())
    })?;
    if entry.output_type() != TypeId::of::<T>() {
        return Err(invalid(format!(
            "`{}` does not return the expected type",
            entry.name()
        )));
    }
    let batch = entry.encode(args).map_err(invalid)?;
    queue_one(inner, entry, batch, Decode::Erased(entry.decoder()))
}

/// Queues one encoded call of `entry`, its result decoded by `decode`.
fn queue_one<T: Send + 'static>(
    inner: &Inner,
    entry: &'static Entry,
    batch: Vec<u8>,
    decode: Decode<T>,
) -> Result<Future<T>, NotQueued> {
    let (future, promise) = Future::pending();
    let sink = Box::new(One(Some(promise), decode));
    inner
        .submit(Job { entry, batch, sink })
        .map(|()| future)
        .map_err(|(_job, why)| NotQueued::Refused(why))
}

fn imap_impl<F, A, I>(
    inner: &Inner,
    items: I,
    chunksize: usize,
    ordered: bool,
) -> io::Result<IMap<F::Output>>
where
    F: ProcessFn<A>,
    A: Serialize,
    I: Iterator<Item = A>,
    F::Output: DeserializeOwned + Send + 'static,
{
    let entry = entry_of::<F>()?;
    let batches = chunks(items.collect(), chunksize, inner.processes)?;
    let out = Arc::new(Queue::unbounded());
    let dropped = Arc::new(AtomicBool::new(false));
    let total = batches.len();
    for (index, batch) in batches.into_iter().enumerate() {
        let sink = Box::new(StreamChunk {
            out: Arc::clone(&out),
            dropped: Arc::clone(&dropped),
            index,
            delivered: false,
        });
        if let Err((_, why)) = inner.submit(Job { entry, batch, sink }) {
            dropped.store(true, Ordering::Release);
            return Err(why.into_io());
        }
    }
    Ok(IMap {
        out,
        dropped,
        total,
        received: 0,
        next_index: 0,
        ordered,
        parked: BTreeMap::new(),
        current: Vec::new().into_iter(),
        pending: None,
    })
}

type ChunkResult<R> = (usize, Result<Vec<R>, FutureError>);
type GetFuture<R> = Pin<Box<dyn StdFuture<Output = Option<ChunkResult<R>>> + Send>>;

/// The results of [`Pool::imap`] / [`Pool::imap_unordered`]: a
/// [`Stream`] for tasks, and through [`IntoIterator`] a blocking
/// [`Iterator`] ([`IMapIter`]) for threads. Each item
/// is `Ok(value)` or the call's [`FutureError`]; a failed chunk yields its
/// error once, in place of its items.
///
/// Dropping it skips the chunks not yet started.
pub struct IMap<R> {
    out: Arc<Queue<ChunkResult<R>>>,
    dropped: Arc<AtomicBool>,
    total: usize,
    received: usize,
    next_index: usize,
    ordered: bool,
    parked: BTreeMap<usize, Result<Vec<R>, FutureError>>,
    current: std::vec::IntoIter<R>,
    pending: Option<GetFuture<R>>,
}

impl<R> fmt::Debug for IMap<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IMap")
            .field("chunks", &self.total)
            .field("received", &self.received)
            .field("ordered", &self.ordered)
            .finish()
    }
}

impl<R> Drop for IMap<R> {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::Release);
    }
}

impl<R: Send + 'static> IMap<R> {
    /// The next chunk to yield from what has arrived, if any.
    fn ready_chunk(&mut self) -> Option<Result<Vec<R>, FutureError>> {
        if self.ordered {
            let r = self.parked.remove(&self.next_index)?;
            self.next_index += 1;
            Some(r)
        } else {
            let (&k, _) = self.parked.iter().next()?;
            self.parked.remove(&k)
        }
    }

    fn accept(&mut self, (index, r): ChunkResult<R>) {
        self.received += 1;
        self.parked.insert(index, r);
    }

    /// The next item from the chunk in hand or a ready one; `None` if a
    /// chunk must be waited for, `Some(None)` at the end.
    fn step(&mut self) -> Option<Option<Result<R, FutureError>>> {
        loop {
            if let Some(v) = self.current.next() {
                return Some(Some(Ok(v)));
            }
            match self.ready_chunk() {
                Some(Ok(v)) => self.current = v.into_iter(),
                Some(Err(e)) => return Some(Some(Err(e))),
                None if self.received == self.total && self.parked.is_empty() => return Some(None),
                None => return None,
            }
        }
    }
}

impl<R: Send + 'static> IntoIterator for IMap<R> {
    type Item = Result<R, FutureError>;
    type IntoIter = IMapIter<R>;

    /// The blocking form, for threads (`for r in pool.imap(…)?`).
    fn into_iter(self) -> IMapIter<R> {
        IMapIter(self)
    }
}

/// [`IMap`] as a blocking [`Iterator`], for threads: each `next()` parks
/// the thread until the next result arrives.
#[derive(Debug)]
pub struct IMapIter<R>(IMap<R>);

impl<R: Send + 'static> Iterator for IMapIter<R> {
    type Item = Result<R, FutureError>;

    fn next(&mut self) -> Option<Self::Item> {
        let this = &mut self.0;
        loop {
            if let Some(item) = this.step() {
                return item;
            }
            match this.out.blocking_get() {
                Ok(c) => this.accept(c),
                Err(_) => return None,
            }
        }
    }
}

impl<R: Send + 'static> Stream for IMap<R> {
    type Item = Result<R, FutureError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.step() {
                return Poll::Ready(item);
            }
            let fut = this.pending.get_or_insert_with(|| {
                let q = Arc::clone(&this.out);
                Box::pin(async move { q.get().await.ok() })
            });
            match fut.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(c) => {
                    this.pending = None;
                    match c {
                        Some(c) => this.accept(c),
                        None => return Poll::Ready(None),
                    }
                }
            }
        }
    }
}

impl<R> Unpin for IMap<R> {}

// ---------------------------------------------------------------------------
// ProcessPoolExecutor.

/// Python's `concurrent.futures.ProcessPoolExecutor`: `submit` a
/// registered function with its arguments, get the same
/// [`executor::Future`](crate::executor::Future) a
/// [`ThreadPoolExecutor`](crate::executor::ThreadPoolExecutor) gives, so
/// [`wait`](crate::executor::wait), [`as_completed`](crate::executor::as_completed),
/// `.await` and `result_timeout` work unchanged across both.
///
/// | Python | myrt |
/// | --- | --- |
/// | `ProcessPoolExecutor(max_workers, initializer=, initargs=, max_tasks_per_child=)` | [`ProcessPoolExecutor::new`]`(n)`, [`PoolBuilder::build_executor`] |
/// | `ex.submit(f, *args)` | [`submit`](Self::submit)`(f, args)` |
/// | `ex.map(f, it, timeout=)` | [`map`](Self::map), [`map_timeout`](Self::map_timeout) → [`Map`] |
/// | `ex.shutdown(wait, cancel_futures)` | [`shutdown`](Self::shutdown), [`shutdown_async`](Self::shutdown_async) |
/// | `BrokenProcessPool` | [`FutureError::BrokenPool`], [`SubmitError::Broken`] |
///
/// It implements the [`Executor`] trait too, so code generic over
/// `E: Executor` runs on it: there a job is a [`call`](super::call)`(f,
/// args)` (a closure cannot cross into another process and is refused with
/// [`SubmitError::Invalid`]), and [`Executor::map`] takes the
/// `#[myrt::process_fn]` itself. The inherent methods of the same names are
/// found first, so call the trait's as `Executor::submit(&pool, job)`.
///
/// A worker that dies breaks the executor, as in Python:
/// the jobs running and queued fail with [`FutureError::BrokenPool`]
/// naming the worker and its signal or exit code, later submits are
/// refused.
pub struct ProcessPoolExecutor {
    inner: Arc<Inner>,
}

impl fmt::Debug for ProcessPoolExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_pool("ProcessPoolExecutor", &self.inner, f)
    }
}

impl ProcessPoolExecutor {
    /// An executor of `max_workers` processes.
    ///
    /// # Errors
    ///
    /// As [`PoolBuilder::build`].
    pub fn new(max_workers: usize) -> io::Result<ProcessPoolExecutor> {
        PoolBuilder::new().processes(max_workers).build_executor()
    }

    /// A builder for the other options (build with
    /// [`PoolBuilder::build_executor`]).
    pub fn builder() -> PoolBuilder {
        PoolBuilder::new()
    }

    /// Schedules `f(args…)` and returns its [`Future`] (Python
    /// `submit(f, *args)`).
    ///
    /// # Errors
    ///
    /// [`SubmitError::ShutDown`] after [`shutdown`](Self::shutdown),
    /// [`SubmitError::Broken`] once a worker died, [`SubmitError::Invalid`]
    /// when `f` is not a `#[myrt::process_fn]` or the arguments cannot be
    /// encoded; each gives `args` back.
    pub fn submit<F, A>(&self, f: F, args: A) -> Result<Future<F::Output>, SubmitError<A>>
    where
        F: ProcessFn<A>,
        A: Serialize,
        F::Output: DeserializeOwned + Send + 'static,
    {
        let _ = f;
        submit_one::<F, A>(&self.inner, &args).map_err(|e| e.give_back(args))
    }

    /// `f(x)` for every item, one job each, results in input order
    /// (Python `Executor.map`). See [`Map`] for what it yields.
    ///
    /// # Errors
    ///
    /// As [`submit`](Self::submit); the jobs already submitted are then
    /// cancelled.
    pub fn map<F, A, I>(&self, f: F, items: I) -> Result<Map<F::Output>, SubmitError<()>>
    where
        F: ProcessFn<(A,)>,
        A: Serialize,
        I: IntoIterator<Item = A>,
        F::Output: DeserializeOwned + Send + 'static,
    {
        self.map_until(f, items, None)
    }

    /// [`map`](Self::map) with a time limit counted from this call
    /// (Python `map(fn, it, timeout=…)`).
    ///
    /// # Errors
    ///
    /// As [`map`](Self::map).
    #[doc(alias = "map")]
    pub fn map_timeout<F, A, I>(
        &self,
        f: F,
        items: I,
        timeout: Duration,
    ) -> Result<Map<F::Output>, SubmitError<()>>
    where
        F: ProcessFn<(A,)>,
        A: Serialize,
        I: IntoIterator<Item = A>,
        F::Output: DeserializeOwned + Send + 'static,
    {
        self.map_until(f, items, Instant::now().checked_add(timeout))
    }

    fn map_until<F, A, I>(
        &self,
        f: F,
        items: I,
        deadline: Option<Instant>,
    ) -> Result<Map<F::Output>, SubmitError<()>>
    where
        F: ProcessFn<(A,)>,
        A: Serialize,
        I: IntoIterator<Item = A>,
        F::Output: DeserializeOwned + Send + 'static,
    {
        Map::submitted(
            items
                .into_iter()
                .map(|item| self.submit(f, (item,)).map_err(|e| e.map(drop))),
            deadline,
        )
    }

    /// Stops accepting jobs (Python `shutdown(wait, cancel_futures)`).
    /// With `cancel_futures`, queued jobs are cancelled; running jobs
    /// always finish. With `wait`, blocks the calling thread until every
    /// worker has exited — except on a thread that drives a myrt runtime,
    /// where blocking could deadlock the pool: there it returns at once;
    /// use [`shutdown_async`](Self::shutdown_async) in tasks.
    pub fn shutdown(&self, wait: bool, cancel_futures: bool) {
        self.begin_shutdown(cancel_futures);
        if wait && crate::runtime::Handle::checked_current().is_err() {
            self.inner.done.blocking_wait();
        }
    }

    /// [`shutdown`](Self::shutdown) for tasks: waits for the workers to
    /// exit.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the shutdown has begun at the first poll; dropping the
    /// future only stops the wait.
    pub async fn shutdown_async(&self, cancel_futures: bool) {
        self.begin_shutdown(cancel_futures);
        self.inner.done.wait().await;
    }

    fn begin_shutdown(&self, cancel_futures: bool) {
        self.inner.lock().closed = true;
        if cancel_futures {
            self.inner.fail_queued(Failure::Cancelled);
        } else {
            self.inner.jobs.close();
        }
    }

    /// The pids of the workers running now.
    pub fn pids(&self) -> Vec<u32> {
        self.inner.lock().pids.iter().flatten().copied().collect()
    }
}

impl Executor for ProcessPoolExecutor {
    /// Sends `job`, a [`call`](super::call) of a `#[myrt::process_fn]`, to
    /// a worker.
    ///
    /// # Errors
    ///
    /// As [`ProcessPoolExecutor::submit`]; a closure is
    /// [`SubmitError::Invalid`].
    fn submit<J: executor::Job>(&self, job: J) -> Result<Future<J::Output>, SubmitError<J>> {
        let queued = match job.__remote() {
            Some((type_id, args)) => submit_erased::<J::Output>(&self.inner, type_id, args),
            None => Err(NotQueued::Invalid(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a closure cannot run in another process: submit \
                 myrt::multiprocessing::call(f, args) of a #[myrt::process_fn] `f`",
            ))),
        };
        queued.map_err(|e| e.give_back(job))
    }

    fn shutdown(&self, wait: bool, cancel_futures: bool) {
        ProcessPoolExecutor::shutdown(self, wait, cancel_futures);
    }

    /// `f(x)` in a worker for every item; `f` must be a
    /// `#[myrt::process_fn]` of one argument.
    ///
    /// # Errors
    ///
    /// As [`ProcessPoolExecutor::map`].
    fn map<F, I, T>(&self, f: F, items: I) -> Result<Map<T>, SubmitError<()>>
    where
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        I: IntoIterator,
        I::Item: Send + 'static,
        T: Send + 'static,
    {
        let _ = f;
        self.map_erased(TypeId::of::<F>(), items, None)
    }

    /// [`map`](Executor::map) with a time limit counted from this call.
    ///
    /// # Errors
    ///
    /// As [`ProcessPoolExecutor::map`].
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
        let _ = f;
        self.map_erased(
            TypeId::of::<F>(),
            items,
            Instant::now().checked_add(timeout),
        )
    }
}

impl ProcessPoolExecutor {
    /// [`Executor::map`]: one erased call of the function `type_id` per
    /// item.
    fn map_erased<I, T>(
        &self,
        type_id: TypeId,
        items: I,
        deadline: Option<Instant>,
    ) -> Result<Map<T>, SubmitError<()>>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        T: Send + 'static,
    {
        Map::submitted(
            items.into_iter().map(|item| {
                submit_erased::<T>(&self.inner, type_id, &(item,)).map_err(|e| e.give_back(()))
            }),
            deadline,
        )
    }
}

impl Drop for ProcessPoolExecutor {
    fn drop(&mut self) {
        // As Python's executor at exit: queued jobs still run, then the
        // workers exit.
        self.begin_shutdown(false);
    }
}
