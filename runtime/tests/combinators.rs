//! `select!`, `join!`, `try_join!`, `task::gather`, `task::try_gather` and
//! `task::shield`.

use std::future::{pending, ready, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use myrt::sync::{mpsc, oneshot};
use myrt::task::{gather, shield, try_gather, yield_now};

/// Sets its flag when dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Pending forever; sets the flag when dropped.
fn pending_with_flag(flag: &Arc<AtomicBool>) -> impl Future<Output = u32> {
    let guard = DropFlag(flag.clone());
    async move {
        let _guard = guard;
        pending::<u32>().await
    }
}

#[myrt::test]
async fn select_runs_the_ready_branch_and_drops_the_others() {
    let dropped = Arc::new(AtomicBool::new(false));
    let v = myrt::select! {
        v = pending_with_flag(&dropped) => v,
        v = ready(7u32) => v * 2,
    };
    assert_eq!(v, 14);
    assert!(
        dropped.load(Ordering::SeqCst),
        "the losing future is dropped"
    );
}

#[myrt::test]
async fn select_unbiased_gives_every_branch_a_turn() {
    let mut counts = [0u32; 3];
    for _ in 0..3000 {
        let i = myrt::select! {
            i = ready(0usize) => i,
            i = ready(1usize) => i,
            i = ready(2usize) => i,
        };
        counts[i] += 1;
    }
    // Each count is about 1000; all-zero for one of them would take an
    // RNG that never picks it.
    assert!(counts.iter().all(|&c| c > 0), "{counts:?}");
}

#[myrt::test]
async fn select_biased_polls_in_order() {
    for _ in 0..100 {
        let i = myrt::select! {
            biased;
            i = ready(0) => i,
            i = ready(1) => i,
        };
        assert_eq!(i, 0);
    }
}

#[myrt::test]
async fn select_pattern_mismatch_disables_the_branch() {
    let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
    drop(tx);
    let got = myrt::select! {
        Some(v) = rx.recv() => v,
        v = async { yield_now().await; 5 } => v,
    };
    assert_eq!(got, 5);
}

#[myrt::test]
async fn select_else_runs_when_every_branch_is_disabled() {
    let enabled = false;
    let v = myrt::select! {
        v = ready(1), if enabled => v,
        Some(v) = ready(None::<i32>) => v,
        else => -1,
    };
    assert_eq!(v, -1);
}

#[myrt::test]
#[should_panic(expected = "every branch is disabled")]
async fn select_without_else_panics_when_every_branch_is_disabled() {
    let _: i32 = myrt::select! {
        Some(v) = ready(None::<i32>) => v,
    };
}

#[myrt::test]
async fn select_handlers_can_break_and_use_question_mark() {
    async fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
        let n = myrt::select! {
            n = async { s.parse::<u32>() } => n?,
            _ = pending::<()>() => unreachable!(),
        };
        Ok(n + 1)
    }
    assert_eq!(parse("41").await, Ok(42));
    assert!(parse("x").await.is_err());

    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    drop(tx);
    let mut sum = 0;
    loop {
        myrt::select! {
            Some(mut v) = rx.recv() => {
                v += 100;
                sum += v;
            }
            else => break,
        }
    }
    assert_eq!(sum, 510);
}

#[myrt::test]
async fn select_with_a_timer_and_a_pinned_future_outside_the_loop() {
    let (tx, rx) = oneshot::channel::<&str>();
    let mut rx = std::pin::pin!(rx);
    let mut ticks = 0;
    myrt::spawn(async move {
        for _ in 0..3 {
            yield_now().await;
        }
        myrt::time::sleep(Duration::from_millis(5)).await;
        tx.send("done").unwrap();
    });
    let msg = loop {
        myrt::select! {
            r = &mut rx => break r.unwrap(),
            _ = myrt::time::sleep(Duration::from_millis(1)) => ticks += 1,
        }
    };
    assert_eq!(msg, "done");
    // How many ticks happened depends on timing; the channel's value did
    // not get lost across the cancelled rounds.
    let _ = ticks;
}

#[myrt::test]
async fn join_runs_futures_concurrently_in_order() {
    // Each side waits for the other: run one after the other, they would
    // deadlock.
    let (tx_a, rx_a) = oneshot::channel::<u32>();
    let (tx_b, rx_b) = oneshot::channel::<u32>();
    let (a, b, c) = myrt::join!(
        async move {
            tx_a.send(1).unwrap();
            rx_b.await.unwrap() + 10
        },
        async move {
            let v = rx_a.await.unwrap();
            tx_b.send(v + 1).unwrap();
            "b"
        },
        ready('c'),
    );
    assert_eq!((a, b, c), (12, "b", 'c'));
    let (one,) = myrt::join!(ready(1));
    assert_eq!(one, 1);
    let () = myrt::join!();
}

#[myrt::test]
async fn try_join_returns_the_first_error_and_drops_the_rest() {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = dropped.clone();
    let r: Result<(u32, u32), &str> = myrt::try_join!(
        async move {
            pending_with_flag(&flag).await;
            Ok(1)
        },
        async {
            yield_now().await;
            Err("boom")
        },
    );
    assert_eq!(r, Err("boom"));
    assert!(dropped.load(Ordering::SeqCst));

    let ok: Result<(u32, &str), ()> = myrt::try_join!(ready(Ok(1)), async { Ok("x") });
    assert_eq!(ok, Ok((1, "x")));
}

/// A future that becomes ready after `n` self-wakes and counts its polls.
struct CountDown {
    left: u32,
    polls: Arc<AtomicUsize>,
}

impl Future for CountDown {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        if self.left == 0 {
            return Poll::Ready(7);
        }
        self.left -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[myrt::test]
async fn gather_keeps_order_and_polls_only_woken_futures() {
    let polls = Arc::new(AtomicUsize::new(0));
    // One slow future beside 1,000 that finish at once: the quick ones are
    // polled once each, not once per wake-up of the slow one.
    let mut futs = vec![CountDown {
        left: 50,
        polls: polls.clone(),
    }];
    futs.extend((0..1000).map(|_| CountDown {
        left: 0,
        polls: polls.clone(),
    }));
    let out = gather(futs).await;
    assert_eq!(out.len(), 1001);
    assert!(out.iter().all(|&v| v == 7));
    assert_eq!(polls.load(Ordering::SeqCst), 51 + 1000);

    let words = gather(["a", "bb", "ccc"].map(|w| async move {
        for _ in 0..w.len() {
            yield_now().await;
        }
        w.len()
    }))
    .await;
    assert_eq!(words, [1, 2, 3]);
    let empty: Vec<u8> = gather(Vec::<std::future::Ready<u8>>::new()).await;
    assert!(empty.is_empty());
}

#[myrt::test]
async fn gather_of_self_waking_futures_yields_to_other_tasks() {
    // A gathered future that wakes itself on every poll must not keep the
    // gathering task in one poll forever: a spawned task still runs.
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    myrt::spawn(async move { f.store(true, Ordering::SeqCst) });
    let spin = {
        let flag = flag.clone();
        async move {
            while !flag.load(Ordering::SeqCst) {
                yield_now().await;
            }
            1
        }
    };
    assert_eq!(gather([spin]).await, [1]);
}

#[myrt::test]
async fn gather_results_keep_errors_in_place_and_try_gather_stops() {
    let mixed = gather(["1", "x", "3"].map(|s| async move { s.parse::<u32>() })).await;
    assert_eq!(mixed[0], Ok(1));
    assert!(mixed[1].is_err());
    assert_eq!(mixed[2], Ok(3));

    let all = try_gather(["1", "2"].map(|s| async move { s.parse::<u32>() })).await;
    assert_eq!(all, Ok(vec![1, 2]));

    let dropped = Arc::new(AtomicBool::new(false));
    let flag = dropped.clone();
    type BoxedTry = Pin<Box<dyn Future<Output = Result<u32, &'static str>>>>;
    let futs: Vec<BoxedTry> = vec![
        Box::pin(async move {
            pending_with_flag(&flag).await;
            Ok(0)
        }),
        Box::pin(async { Err("bad") }),
    ];
    assert_eq!(try_gather(futs).await, Err("bad"));
    assert!(dropped.load(Ordering::SeqCst));
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn shield_keeps_running_after_the_caller_gives_up() {
    let (go_tx, go_rx) = oneshot::channel::<()>();
    let (done_tx, done_rx) = oneshot::channel::<u32>();
    let shielded = shield(async move {
        go_rx.await.unwrap();
        done_tx.send(5).unwrap();
        9
    });
    // The caller is cancelled (the Shield dropped) before the work ends.
    let r = myrt::time::timeout(Duration::from_millis(1), shielded).await;
    assert!(r.is_err());
    go_tx.send(()).unwrap();
    assert_eq!(done_rx.await.unwrap(), 5);

    let s = shield(async { 3 });
    assert_eq!(s.await.unwrap(), 3);
    let h = shield(async { 4 }).into_join_handle();
    assert_eq!(h.await.unwrap(), 4);
}

#[test]
fn checked_shield_outside_a_runtime_is_an_error() {
    assert!(myrt::task::checked_shield(async {}).is_err());
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_inside_an_aborted_task_drops_foreign_futures() {
    // tokio's Notify is an intrusive waiter list: aborting the task that
    // waits in a select! must unlink it (the runtime drops it in place).
    let notify = Arc::new(tokio::sync::Notify::new());
    let n = notify.clone();
    let (tx, rx) = oneshot::channel::<()>();
    let h = myrt::spawn(async move {
        let _tx = tx;
        myrt::select! {
            _ = n.notified() => 1,
            _ = pending::<()>() => 2,
        }
    });
    yield_now().await;
    h.abort();
    assert!(h.await.unwrap_err().is_cancelled());
    // The sender was dropped with the task.
    assert!(rx.await.is_err());
    notify.notify_waiters();
    notify.notify_one();
    // The stored permit is consumed by a fresh waiter.
    notify.notified().await;
}

#[myrt::test]
async fn select_drops_the_losers_before_the_handler_runs() {
    // The losing future borrows `log` mutably; the handler may use `log`
    // because the futures are gone by then (a compile-time check), and
    // the drop guard has run.
    let mut log = Vec::new();
    let dropped = Arc::new(AtomicBool::new(false));
    let guard = DropFlag(dropped.clone());
    myrt::select! {
        _ = async {
            let _guard = guard;
            log.push("loser polled");
            pending::<()>().await
        } => unreachable!(),
        _ = async { yield_now().await } => {
            assert!(dropped.load(Ordering::SeqCst));
            log.push("handler");
        }
    }
    assert_eq!(log.last(), Some(&"handler"));
}
