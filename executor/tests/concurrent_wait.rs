//! `blocking_wait`, `wait`, `blocking_as_completed`, `as_completed` (ported in
//! spirit from CPython's `test_concurrent_futures/test_wait.py` and
//! `test_as_completed.py`), including the gh-92001 case: a future cancelled
//! before any worker picked it up is done for every waiter.

mod cf_common;

use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use cf_common::{block_on, noop_waker, poll_once, watchdog, Gate, LONG};
use futures_core::Stream;
use myrt_executor::concurrent::{
    as_completed, blocking_as_completed, blocking_as_completed_timeout, blocking_wait,
    blocking_wait_timeout, wait, Executor, Future, FutureError, Promise, ReturnWhen,
    ThreadPoolExecutor,
};

fn pending() -> (Future<u32>, Promise<u32>) {
    Future::pending()
}

fn failed() -> Future<u32> {
    let (f, p) = pending();
    p.set_panic(Box::new("failed on purpose"));
    f
}

fn cancelled() -> Future<u32> {
    let (f, _p) = pending();
    assert!(f.cancel());
    f
}

fn same(a: &[Future<u32>], b: &[&Future<u32>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_future(y))
}

/// Sets `p` to `v` from another thread after `ms` milliseconds.
fn later(p: Promise<u32>, v: u32, ms: u64) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(ms));
        let _ = p.set_result(v);
    })
}

#[test]
fn first_completed_returns_at_once_if_one_is_done() {
    let (p1, _a) = pending();
    let done = Future::ready(1);
    let futures = vec![p1.clone(), done.clone()];
    let (d, nd) = blocking_wait_timeout(&futures, ReturnWhen::FirstCompleted, LONG);
    assert!(same(&d, &[&done]));
    assert!(same(&nd, &[&p1]));
}

#[test]
fn first_completed_blocks_until_one_completes() {
    watchdog(|| {
        let (f1, p1) = pending();
        let (f2, _p2) = pending();
        let t = later(p1, 1, 20);
        let start = Instant::now();
        let (d, nd) =
            blocking_wait_timeout(&[f1.clone(), f2.clone()], ReturnWhen::FirstCompleted, LONG);
        assert!(start.elapsed() < LONG);
        assert!(same(&d, &[&f1]) && same(&nd, &[&f2]));
        t.join().unwrap();
    });
}

#[test]
fn first_completed_counts_a_cancel() {
    watchdog(|| {
        let (f1, _p1) = pending();
        let (f2, _p2) = pending();
        let g = f1.clone();
        let t = thread::spawn(move || {
            thread::sleep(Duration::from_millis(10));
            g.cancel()
        });
        let (d, nd) =
            blocking_wait_timeout(&[f1.clone(), f2.clone()], ReturnWhen::FirstCompleted, LONG);
        assert!(t.join().unwrap());
        assert!(same(&d, &[&f1]) && same(&nd, &[&f2]));
    });
}

#[test]
fn first_exception_returns_when_one_fails() {
    watchdog(|| {
        let ok = Future::ready(1);
        let (slow, _p) = pending();
        let (failing, pf) = pending();
        let t = thread::spawn(move || {
            thread::sleep(Duration::from_millis(10));
            pf.set_panic(Box::new("x"));
        });
        let futures = vec![ok.clone(), slow.clone(), failing.clone()];
        let (d, nd) = blocking_wait_timeout(&futures, ReturnWhen::FirstException, LONG);
        t.join().unwrap();
        assert!(same(&d, &[&ok, &failing]));
        assert!(same(&nd, &[&slow]));
    });
}

#[test]
fn first_exception_at_once_if_already_failed() {
    let (slow, _p) = pending();
    let bad = failed();
    let (d, nd) = blocking_wait(&[bad.clone(), slow.clone()], ReturnWhen::FirstException);
    assert!(same(&d, &[&bad]) && same(&nd, &[&slow]));
}

#[test]
fn first_exception_ignores_cancel_and_waits_for_all() {
    watchdog(|| {
        let c = cancelled();
        let ok = Future::ready(2);
        let (slow, p) = pending();
        let t = later(p, 3, 20);
        let (d, nd) = blocking_wait_timeout(
            &[c.clone(), ok.clone(), slow.clone()],
            ReturnWhen::FirstException,
            LONG,
        );
        t.join().unwrap();
        assert!(same(&d, &[&c, &ok, &slow]) && nd.is_empty());
    });
}

#[test]
fn all_completed_waits_for_every_future() {
    watchdog(|| {
        let (fs, ps): (Vec<_>, Vec<_>) = (0..5).map(|_| pending()).unzip();
        let ts: Vec<_> = ps
            .into_iter()
            .enumerate()
            .map(|(i, p)| later(p, i as u32, 5 * i as u64))
            .collect();
        let mut futures = fs.clone();
        futures.push(failed());
        futures.push(cancelled());
        let (d, nd) = blocking_wait(&futures, ReturnWhen::AllCompleted);
        assert_eq!((d.len(), nd.len()), (7, 0));
        for t in ts {
            t.join().unwrap();
        }
        for (i, f) in fs.iter().enumerate() {
            assert_eq!(f.result().unwrap(), i as u32);
        }
    });
}

#[test]
fn wait_timeout_returns_the_split_without_error() {
    let done = Future::ready(1);
    let (slow, _p) = pending();
    let start = Instant::now();
    let (d, nd) = blocking_wait_timeout(
        &[done.clone(), slow.clone()],
        ReturnWhen::AllCompleted,
        Duration::from_millis(30),
    );
    assert!(start.elapsed() >= Duration::from_millis(30));
    assert!(same(&d, &[&done]) && same(&nd, &[&slow]));
    // Zero timeout just partitions.
    let (d, nd) = blocking_wait_timeout(
        std::slice::from_ref(&slow),
        ReturnWhen::FirstCompleted,
        Duration::ZERO,
    );
    assert!(d.is_empty() && same(&nd, &[&slow]));
    // An empty set is trivially complete.
    let (d, nd) = blocking_wait::<u32>(&[], ReturnWhen::FirstCompleted);
    assert!(d.is_empty() && nd.is_empty());
}

/// gh-92001: futures cancelled by `shutdown(cancel_futures)` before any
/// worker saw them must wake `wait` and `as_completed`.
#[test]
fn futures_cancelled_by_shutdown_wake_waiters() {
    watchdog(|| {
        let pool = ThreadPoolExecutor::builder().max_workers(1).build();
        let (started, release) = (Gate::new(), Gate::new());
        let (s, r) = (started.clone(), release.clone());
        let blocker = pool
            .submit(move || {
                s.open();
                r.wait();
                0
            })
            .unwrap();
        started.wait();
        let queued: Vec<_> = (1..4).map(|i| pool.submit(move || i).unwrap()).collect();

        let q = queued.clone();
        let waiter = thread::spawn(move || blocking_wait(&q, ReturnWhen::AllCompleted));
        let q = queued.clone();
        let iter = thread::spawn(move || {
            blocking_as_completed(q)
                .map(|f| f.unwrap().cancelled())
                .collect::<Vec<_>>()
        });
        thread::sleep(Duration::from_millis(20));
        pool.shutdown(false, true);

        let (d, nd) = waiter.join().unwrap();
        assert_eq!((d.len(), nd.len()), (3, 0));
        assert_eq!(iter.join().unwrap(), [true, true, true]);
        release.open();
        assert_eq!(blocker.result_timeout(LONG).unwrap(), 0);
    });
}

#[test]
fn as_completed_yields_done_first_then_in_completion_order() {
    watchdog(|| {
        let (a, pa) = pending();
        let (b, pb) = pending();
        let c = Future::ready(30);
        let d = cancelled();
        let gate = Gate::new();
        let g = gate.clone();
        let t = thread::spawn(move || {
            g.wait();
            pb.set_result(20).unwrap();
            thread::sleep(Duration::from_millis(10));
            pa.set_result(10).unwrap();
        });
        let mut it =
            blocking_as_completed_timeout(vec![a.clone(), b.clone(), c.clone(), d.clone()], LONG);
        // The first `next()` registers with all four; c and d are done.
        let mut order = vec![it.next().unwrap().unwrap()];
        gate.open();
        order.extend(it.map(Result::unwrap));
        t.join().unwrap();
        assert!(same(&order, &[&c, &d, &b, &a]));
        assert_eq!(order[2].result().unwrap(), 20);
    });
}

#[test]
fn as_completed_timeout_after_the_finished_ones() {
    watchdog(|| {
        let done = Future::ready(1);
        let (slow, _p) = pending();
        let mut it = blocking_as_completed_timeout(
            vec![slow.clone(), done.clone()],
            Duration::from_millis(20),
        );
        assert!(it.next().unwrap().unwrap().same_future(&done));
        assert!(matches!(it.next(), Some(Err(FutureError::Timeout))));
        assert!(it.next().is_none());
        let rest = it.into_pending();
        assert!(same(&rest, &[&slow]));
    });
}

#[test]
fn as_completed_timeout_counts_from_first_next() {
    watchdog(|| {
        let (f, p) = pending();
        let mut it = blocking_as_completed_timeout(vec![f], Duration::from_millis(300));
        // Longer than the timeout, but iteration has not started.
        thread::sleep(Duration::from_millis(350));
        let t = later(p, 5, 20);
        let got = it.next().unwrap().unwrap();
        assert_eq!(got.result().unwrap(), 5);
        assert!(it.next().is_none());
        t.join().unwrap();
    });
}

#[test]
fn as_completed_yields_duplicate_handles_each() {
    let f = Future::ready(1);
    let n = blocking_as_completed(vec![f.clone(), f.clone()]).count();
    assert_eq!(n, 2);
}

#[test]
fn as_completed_over_pool_results() {
    watchdog(|| {
        let pool = ThreadPoolExecutor::builder().max_workers(4).build();
        let n = cf_common::scaled(500, 20);
        let futures: Vec<_> = (0..n).map(|i| pool.submit(move || i).unwrap()).collect();
        let mut seen: Vec<usize> = blocking_as_completed_timeout(futures, LONG)
            .map(|f| f.unwrap().result().unwrap())
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..n).collect::<Vec<_>>());
    });
}

#[test]
fn wait_async_first_completed_and_all_completed() {
    watchdog(|| {
        let (f1, p1) = pending();
        let (f2, p2) = pending();
        let t = later(p1, 1, 10);
        let futures = vec![f1.clone(), f2.clone()];
        let (d, nd) = block_on(wait(&futures, ReturnWhen::FirstCompleted));
        assert!(same(&d, &[&f1]) && same(&nd, &[&f2]));
        t.join().unwrap();
        let t = later(p2, 2, 10);
        let (d, nd) = block_on(wait(&futures, ReturnWhen::AllCompleted));
        assert_eq!((d.len(), nd.len()), (2, 0));
        t.join().unwrap();
    });
}

#[test]
fn wait_async_first_exception() {
    watchdog(|| {
        let (slow, _p) = pending();
        let (bad, pb) = pending();
        let t = thread::spawn(move || {
            thread::sleep(Duration::from_millis(10));
            pb.set_panic(Box::new("bad"));
        });
        let futures = vec![slow.clone(), bad.clone()];
        let (d, nd) = block_on(wait(&futures, ReturnWhen::FirstException));
        t.join().unwrap();
        assert!(same(&d, &[&bad]) && same(&nd, &[&slow]));
    });
}

#[test]
fn dropped_wait_async_unregisters() {
    let (f, p) = pending();
    let futures = vec![f.clone()];
    let mut w = wait(&futures, ReturnWhen::AllCompleted);
    assert!(poll_once(&mut w).is_pending());
    drop(w);
    p.set_result(1).unwrap();
    assert_eq!(f.result().unwrap(), 1);
}

#[test]
fn as_completed_async_stream_in_completion_order() {
    watchdog(|| {
        let (a, pa) = pending();
        let (b, pb) = pending();
        let done = Future::ready(0);
        let gate = Gate::new();
        let g = gate.clone();
        let t = thread::spawn(move || {
            g.wait();
            pb.set_result(2).unwrap();
            thread::sleep(Duration::from_millis(10));
            pa.set_result(1).unwrap();
        });
        let mut stream = as_completed(vec![a.clone(), b.clone(), done.clone()]);
        assert_eq!(stream.size_hint(), (3, Some(3)));
        // The first poll registers with all three and yields the done one.
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        let Poll::Ready(Some(first)) = Pin::new(&mut stream).poll_next(&mut cx) else {
            panic!("the ready future comes first");
        };
        gate.open();
        let mut got = vec![first];
        got.extend(block_on(Collect {
            stream: &mut stream,
            out: Vec::new(),
        }));
        t.join().unwrap();
        assert!(same(&got, &[&done, &b, &a]));
        assert_eq!(stream.size_hint(), (0, Some(0)));
    });
}

#[test]
fn as_completed_async_pending_then_into_pending() {
    let (a, _pa) = pending();
    let mut stream = as_completed(vec![a.clone()]);
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(Pin::new(&mut stream).poll_next(&mut cx).is_pending());
    let rest = stream.into_pending();
    assert!(same(&rest, &[&a]));
}

struct Collect<'a, S: Stream + Unpin> {
    stream: &'a mut S,
    out: Vec<S::Item>,
}

impl<S: Stream + Unpin> Unpin for Collect<'_, S> {}

impl<S: Stream + Unpin> std::future::Future for Collect<'_, S> {
    type Output = Vec<S::Item>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match Pin::new(&mut *this.stream).poll_next(cx) {
                Poll::Ready(Some(item)) => this.out.push(item),
                Poll::Ready(None) => return Poll::Ready(std::mem::take(&mut this.out)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
