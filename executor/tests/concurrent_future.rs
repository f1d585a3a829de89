//! `Future` and `Promise`: states, cancel, callbacks, results, `.await`
//! (ported in spirit from CPython's `test_concurrent_futures/test_future.py`).

mod cf_common;

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::Poll;
use std::thread;
use std::time::Duration;

use cf_common::{block_on, join_all, poll_once, watchdog, Gate, LONG};
use myrt_executor::concurrent::{Future, FutureError, PanicPayload, Promise};

fn pending<T: Send + 'static>() -> (Future<T>, Promise<T>) {
    Future::pending()
}

#[test]
fn states_of_a_pending_future() {
    let (f, _p) = pending::<u8>();
    assert!(!f.done());
    assert!(!f.running());
    assert!(!f.cancelled());
    assert!(!f.failed());
    assert!(f.try_result().is_none());
    assert!(format!("{f:?}").contains("Pending"));
}

#[test]
fn cancel_pending_future() {
    let (f, p) = pending::<u8>();
    assert!(f.cancel());
    assert!(f.cancelled());
    assert!(f.done());
    assert!(!f.running());
    // Cancelling again still reports a cancelled future.
    assert!(f.cancel());
    assert!(p.is_cancelled());
    assert!(!p.set_running());
    assert_eq!(p.set_result(9), Err(9));
    assert!(matches!(f.result(), Err(FutureError::Cancelled)));
    assert!(matches!(f.result(), Err(FutureError::Cancelled)));
    assert!(matches!(f.exception(), Some(FutureError::Cancelled)));
    assert!(!f.failed());
}

#[test]
fn cancel_running_future_fails() {
    let (f, p) = pending::<u8>();
    assert!(p.set_running());
    assert!(f.running());
    assert!(!f.cancel());
    assert!(!f.cancelled());
    assert!(!f.done());
    p.set_result(3).unwrap();
    assert!(f.done() && !f.running() && !f.cancelled());
    assert_eq!(f.result().unwrap(), 3);
}

#[test]
fn cancel_finished_future_fails() {
    let f = Future::ready(1u8);
    assert!(!f.cancel());
    assert!(!f.cancelled());
    assert_eq!(f.result().unwrap(), 1);
}

#[test]
fn result_moves_the_value_out_once() {
    let (f, p) = pending::<String>();
    let g = f.clone();
    assert!(f.same_future(&g));
    p.set_result("v".to_owned()).unwrap();
    assert_eq!(g.result_cloned().unwrap(), "v");
    assert_eq!(g.result_cloned().unwrap(), "v");
    assert_eq!(f.result().unwrap(), "v");
    assert!(matches!(g.result(), Err(FutureError::AlreadyTaken)));
    assert!(matches!(
        f.try_result(),
        Some(Err(FutureError::AlreadyTaken))
    ));
    // Taking the value is not a failure.
    assert!(!f.failed());
    assert!(f.exception().is_none());
}

#[test]
fn panic_payload_goes_to_first_caller_message_to_others() {
    let (f, p) = pending::<u8>();
    let payload = std::panic::catch_unwind(|| panic!("boom")).unwrap_err();
    assert!(p.set_panic(payload));
    assert!(f.done() && f.failed() && !f.cancelled());
    let first = f.result().unwrap_err();
    assert!(first.is_panic());
    assert_eq!(first.panic_message(), Some("boom"));
    let payload = first.checked_into_panic().unwrap();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    let second = f.result().unwrap_err();
    assert_eq!(second.panic_message(), Some("boom"));
    assert_eq!(second.to_string(), "future's job panicked: boom");
    assert!(f.exception().unwrap().is_panic());
}

#[test]
fn result_timeout_leaves_future_usable() {
    let (f, p) = pending::<u8>();
    let err = f.result_timeout(Duration::from_millis(20)).unwrap_err();
    assert!(err.is_timeout());
    assert!(!f.done());
    assert!(f
        .exception_timeout(Duration::from_millis(1))
        .unwrap_err()
        .is_timeout());
    assert!(f.cancel(), "a timed-out future is still pending");
    drop(p);
    let (f, p) = pending::<u8>();
    assert!(f.result_timeout(Duration::ZERO).unwrap_err().is_timeout());
    p.set_result(4).unwrap();
    assert_eq!(f.result_timeout(Duration::ZERO).unwrap(), 4);
}

#[test]
fn result_blocks_until_another_thread_sets_it() {
    watchdog(|| {
        let (f, p) = pending::<u32>();
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let f = f.clone();
                thread::spawn(move || f.result_timeout(LONG))
            })
            .collect();
        thread::sleep(Duration::from_millis(20));
        assert!(p.set_running());
        p.set_result(77).unwrap();
        let mut values = 0;
        let mut taken = 0;
        for w in waiters {
            match w.join().unwrap() {
                Ok(77) => values += 1,
                Err(FutureError::AlreadyTaken) => taken += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!((values, taken), (1, 2));
    });
}

#[test]
fn timed_waiter_sees_a_cancel_from_another_thread() {
    watchdog(|| {
        let (f, _p) = pending::<u32>();
        let g = f.clone();
        let t = thread::spawn(move || g.result_timeout(LONG));
        thread::sleep(Duration::from_millis(10));
        assert!(f.cancel());
        assert!(matches!(t.join().unwrap(), Err(FutureError::Cancelled)));
    });
}

#[test]
fn callbacks_added_before_done_run_on_completing_thread_in_order() {
    watchdog(|| {
        let (f, p) = pending::<u8>();
        let seen = Arc::new(Mutex::new(Vec::new()));
        for i in 0..3 {
            let seen = Arc::clone(&seen);
            f.add_done_callback(move |fut| {
                seen.lock().unwrap().push((
                    i,
                    thread::current().id(),
                    fut.result_cloned().unwrap(),
                ));
            });
        }
        assert!(seen.lock().unwrap().is_empty());
        let completer = thread::spawn(move || {
            p.set_result(5).unwrap();
            thread::current().id()
        })
        .join()
        .unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(
            *seen,
            vec![(0, completer, 5), (1, completer, 5), (2, completer, 5)]
        );
    });
}

#[test]
fn callback_added_after_done_runs_at_once_on_caller() {
    let f = Future::ready(2u8);
    let (tx, rx) = mpsc::channel();
    f.add_done_callback(move |fut| {
        tx.send((thread::current().id(), fut.result_cloned().unwrap()))
            .unwrap();
    });
    assert_eq!(rx.try_recv().unwrap(), (thread::current().id(), 2));
}

#[test]
fn panicking_callback_is_caught_and_others_still_run() {
    let (f, p) = pending::<u8>();
    let count = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&count);
    f.add_done_callback(|_| panic!("bad callback"));
    f.add_done_callback(move |_| {
        c.fetch_add(1, Ordering::SeqCst);
    });
    p.set_result(1).unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 1);
    // Not poisoned: the state still answers.
    assert!(f.done());
    assert_eq!(f.result().unwrap(), 1);
    // And at once on a done future.
    f.add_done_callback(|_| panic!("bad again"));
    let c = Arc::clone(&count);
    f.add_done_callback(move |_| {
        c.fetch_add(1, Ordering::SeqCst);
    });
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[test]
fn callbacks_run_on_cancel() {
    let (f, _p) = pending::<u8>();
    let (tx, rx) = mpsc::channel();
    let tx2 = tx.clone();
    f.add_done_callback(move |fut| tx.send(fut.cancelled()).unwrap());
    assert!(f.cancel());
    assert!(rx.try_recv().unwrap());
    f.add_done_callback(move |fut| tx2.send(fut.cancelled()).unwrap());
    assert!(rx.try_recv().unwrap());
}

#[test]
fn dropped_promise_abandons_the_future() {
    let (f, p) = pending::<u8>();
    drop(p);
    assert!(f.done() && f.failed());
    let err = f.result().unwrap_err();
    assert!(matches!(err, FutureError::Abandoned));
    assert!(err.to_string().contains("abandoned"));
    // A cancelled future stays cancelled when its promise goes away.
    let (f, p) = pending::<u8>();
    f.cancel();
    drop(p);
    assert!(f.cancelled());
}

#[test]
fn cancel_hook_runs_on_cancel_only() {
    let hits = Arc::new(AtomicUsize::new(0));
    let (f, p) = pending::<u8>();
    let h = Arc::clone(&hits);
    p.on_cancel(move || {
        h.fetch_add(1, Ordering::SeqCst);
    });
    assert!(f.cancel());
    assert!(f.cancel());
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    // Registering on a cancelled future runs at once.
    let h = Arc::clone(&hits);
    p.on_cancel(move || {
        h.fetch_add(10, Ordering::SeqCst);
    });
    assert_eq!(hits.load(Ordering::SeqCst), 11);

    // Not on a normal finish.
    let (f, p) = pending::<u8>();
    let h = Arc::clone(&hits);
    p.on_cancel(move || {
        h.fetch_add(100, Ordering::SeqCst);
    });
    p.set_result(0).unwrap();
    assert!(!f.cancel());
    assert_eq!(hits.load(Ordering::SeqCst), 11);
}

#[test]
fn producer_can_cancel_a_running_future() {
    let hits = Arc::new(AtomicUsize::new(0));
    let (f, p) = pending::<u8>();
    let h = Arc::clone(&hits);
    p.on_cancel(move || {
        h.fetch_add(1, Ordering::SeqCst);
    });
    assert!(p.set_running());
    let (tx, rx) = mpsc::channel();
    f.add_done_callback(move |fut| tx.send(fut.cancelled()).unwrap());
    assert!(p.set_cancelled());
    assert!(f.cancelled() && f.done());
    assert!(rx.try_recv().unwrap());
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the producer cancelled itself"
    );
}

#[test]
fn promise_future_handle_sees_same_state() {
    let (f, p) = pending::<u8>();
    let g = p.future();
    assert!(g.same_future(&f));
    p.set_result(8).unwrap();
    assert_eq!(g.result().unwrap(), 8);
    assert!(format!("{f:?}").contains("Finished"));
}

#[test]
fn await_a_future_completed_by_a_thread() {
    watchdog(|| {
        let (f, p) = pending::<u64>();
        let t = thread::spawn(move || {
            thread::sleep(Duration::from_millis(10));
            p.set_result(11).unwrap();
        });
        assert_eq!(block_on(f).unwrap(), 11);
        t.join().unwrap();
        // Already done when first polled.
        assert_eq!(block_on(Future::ready(3)).unwrap(), 3);
    });
}

#[test]
fn await_reports_cancel_and_panic() {
    watchdog(|| {
        let (f, p) = pending::<u8>();
        let g = f.clone();
        let t = thread::spawn(move || {
            thread::sleep(Duration::from_millis(5));
            g.cancel()
        });
        assert!(matches!(block_on(f), Err(FutureError::Cancelled)));
        assert!(t.join().unwrap());
        drop(p);

        let (f, p) = pending::<u8>();
        p.set_panic(Box::new("oops"));
        assert_eq!(block_on(f).unwrap_err().panic_message(), Some("oops"));
    });
}

#[test]
fn dropping_an_await_keeps_the_value_for_others() {
    let (f, p) = pending::<u8>();
    let mut awaiting = f.clone();
    assert!(poll_once(&mut awaiting).is_pending());
    drop(awaiting);
    p.set_result(6).unwrap();
    assert_eq!(f.result().unwrap(), 6);
}

#[test]
fn repolling_with_a_new_waker_keeps_one_registration() {
    let (f, p) = pending::<u8>();
    let mut a = f.clone();
    for _ in 0..10 {
        assert!(poll_once(&mut a).is_pending());
    }
    p.set_result(1).unwrap();
    assert!(matches!(poll_once(&mut a), Poll::Ready(Ok(1))));
}

#[test]
fn many_tasks_await_on_one_thread_without_blocking_it() {
    watchdog(|| {
        let n = cf_common::scaled(1000, 20);
        let (futures, promises): (Vec<_>, Vec<_>) = (0..n).map(|_| pending::<usize>()).unzip();
        let gate = Gate::new();
        let g = gate.clone();
        let t = thread::spawn(move || {
            g.wait();
            for (i, p) in promises.into_iter().enumerate().rev() {
                p.set_result(i).unwrap();
            }
        });
        type Boxed = Pin<Box<dyn std::future::Future<Output = Result<usize, FutureError>>>>;
        let mut all: Vec<Boxed> = futures.into_iter().map(|f| Box::pin(f) as Boxed).collect();
        // Polled last: every await above is already pending on this thread.
        all.push(Box::pin(async move {
            gate.open();
            Ok(usize::MAX)
        }));
        let (outs, pending_polls) = block_on(join_all(all));
        t.join().unwrap();
        let outs: Vec<usize> = outs.into_iter().map(Result::unwrap).collect();
        let mut expected: Vec<usize> = (0..n).collect();
        expected.push(usize::MAX);
        assert_eq!(outs, expected);
        assert!(pending_polls >= n, "{pending_polls} pending polls");
    });
}

#[test]
fn errors_display_and_are_std_errors() {
    fn is_error<E: std::error::Error + Send + 'static>(_: &E) {}
    let all = [
        FutureError::Cancelled,
        FutureError::Timeout,
        FutureError::BrokenPool("init failed".into()),
        FutureError::Abandoned,
        FutureError::AlreadyTaken,
        FutureError::Panicked(PanicPayload::new(Box::new(7u8))),
    ];
    for e in &all {
        is_error(e);
        assert!(!e.to_string().is_empty());
        assert!(!format!("{e:?}").is_empty());
    }
    assert_eq!(all[0].to_string(), "future was cancelled");
    assert!(all[2].to_string().contains("init failed"));
    assert_eq!(all[5].to_string(), "future's job panicked");
    assert!(all[5].panic_message().is_none());
}

#[test]
fn future_and_promise_are_send_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Future<u8>>();
    send_sync::<Future<std::cell::Cell<u8>>>();
    send_sync::<Promise<u8>>();
    send_sync::<FutureError>();
}
