//! Loom models of the `Future` state machine, through its public API.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" cargo test -p myrt-executor --test loom_concurrent --release`
#![cfg(loom)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use loom::thread;
use myrt_executor::concurrent::{
    blocking_wait, Executor, Future, FutureError, ReturnWhen, ThreadPoolExecutor,
};

/// Wakes `block_on` through a mutex and condvar (loom's `park` treats an
/// `unpark` of a thread blocked elsewhere as a wake-up of that block).
struct CondWaker {
    woken: loom::sync::Mutex<bool>,
    cond: loom::sync::Condvar,
}

impl Wake for CondWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        *self.woken.lock().unwrap() = true;
        self.cond.notify_one();
    }
}

/// Polls `fut` on this loom thread, sleeping between polls.
fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let cw = Arc::new(CondWaker {
        woken: loom::sync::Mutex::new(false),
        cond: loom::sync::Condvar::new(),
    });
    let waker = Waker::from(Arc::clone(&cw));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        let mut woken = cw.woken.lock().unwrap();
        while !*woken {
            woken = cw.cond.wait(woken).unwrap();
        }
        *woken = false;
    }
}

/// A blocked `result()` always sees a value set concurrently.
#[test]
fn result_sees_concurrent_set_result() {
    loom::model(|| {
        let (f, p) = Future::<u32>::pending();
        let t = thread::spawn(move || {
            assert!(p.set_running());
            p.set_result(7).unwrap();
        });
        assert_eq!(f.result().unwrap(), 7);
        t.join().unwrap();
    });
}

/// `cancel()` and `set_running()` race: exactly one wins.
#[test]
fn cancel_races_set_running() {
    loom::model(|| {
        let (f, p) = Future::<u32>::pending();
        let t = thread::spawn(move || {
            if p.set_running() {
                p.set_result(1).unwrap();
                true
            } else {
                false
            }
        });
        let cancelled = f.cancel();
        let ran = t.join().unwrap();
        assert!(cancelled != ran, "cancelled={cancelled} ran={ran}");
        assert!(f.done());
        match f.result() {
            Ok(1) => assert!(ran),
            Err(FutureError::Cancelled) => assert!(cancelled),
            other => panic!("unexpected {other:?}"),
        }
    });
}

/// A callback added while another thread completes the future runs once.
#[test]
fn callback_runs_exactly_once() {
    loom::model(|| {
        let (f, p) = Future::<u32>::pending();
        let hits = Arc::new(AtomicUsize::new(0));
        let t = thread::spawn(move || p.set_result(3).unwrap());
        let h = Arc::clone(&hits);
        f.add_done_callback(move |fut| {
            assert!(fut.done());
            h.fetch_add(1, Ordering::SeqCst);
        });
        t.join().unwrap();
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    });
}

/// `.await` does not lose the wake-up of a concurrent completion.
#[test]
fn await_is_woken_by_concurrent_completion() {
    loom::model(|| {
        let (f, p) = Future::<u32>::pending();
        let t = thread::spawn(move || p.set_result(5).unwrap());
        assert_eq!(block_on(f).unwrap(), 5);
        t.join().unwrap();
    });
}

/// `blocking_wait(AllCompleted)` returns once both futures are done, one finished
/// and one cancelled from other threads.
#[test]
fn wait_all_sees_finish_and_cancel() {
    loom::model(|| {
        let (a, pa) = Future::<u32>::pending();
        let (b, _pb) = Future::<u32>::pending();
        let b2 = b.clone();
        let t1 = thread::spawn(move || pa.set_result(1).unwrap());
        let t2 = thread::spawn(move || assert!(b2.cancel()));
        let (done, not_done) = blocking_wait(&[a, b], ReturnWhen::AllCompleted);
        assert_eq!((done.len(), not_done.len()), (2, 0));
        t1.join().unwrap();
        t2.join().unwrap();
    });
}

/// Explores with a preemption bound: the pool models have three threads and
/// several locks.
fn bounded(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(f);
}

/// A job submitted to a one-worker pool finishes, and dropping the pool
/// joins the worker.
#[test]
fn pool_submit_result_drop() {
    bounded(|| {
        let pool = ThreadPoolExecutor::builder().max_workers(1).build();
        let f = pool.submit(|| 40 + 2).unwrap();
        assert_eq!(f.result().unwrap(), 42);
        drop(pool);
    });
}

/// Two jobs on two workers: no job is lost or run twice, whichever worker
/// takes which.
#[test]
fn pool_two_workers_two_jobs() {
    bounded(|| {
        let runs = Arc::new(AtomicUsize::new(0));
        let pool = ThreadPoolExecutor::builder().max_workers(2).build();
        let futures: Vec<_> = (0..2u32)
            .map(|i| {
                let runs = Arc::clone(&runs);
                pool.submit(move || {
                    runs.fetch_add(1, Ordering::SeqCst);
                    i
                })
                .unwrap()
            })
            .collect();
        drop(pool);
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        for (i, f) in futures.iter().enumerate() {
            assert_eq!(f.result().unwrap(), i as u32);
        }
    });
}

/// `shutdown(cancel_futures)` racing the worker: every future ends done,
/// a job runs at most once, and exactly the cancelled ones did not run.
#[test]
fn pool_shutdown_cancel_races_worker() {
    bounded(|| {
        let runs = Arc::new(AtomicUsize::new(0));
        let pool = ThreadPoolExecutor::builder().max_workers(1).build();
        let futures: Vec<_> = (0..2)
            .map(|_| {
                let runs = Arc::clone(&runs);
                pool.submit(move || {
                    runs.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap()
            })
            .collect();
        pool.shutdown(true, true);
        let cancelled = futures.iter().filter(|f| f.cancelled()).count();
        assert!(futures.iter().all(Future::done));
        assert_eq!(runs.load(Ordering::SeqCst) + cancelled, 2);
        assert!(pool.submit(|| ()).is_err());
    });
}
