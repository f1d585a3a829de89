//! Pin's drop guarantee in the task core: a spawned future is dropped at the
//! address where it was polled, on every path out of a task (completes,
//! panics, aborted while idle or while running, cancelled by runtime drop,
//! `JoinHandle` dropped before or after completion), on both schedulers.
//! Plus ecosystem intrusive futures (tokio's `Notify`, event-listener),
//! whose waiter node lives inside the future: moving it before its drop
//! leaves the list pointing at freed memory.
#![cfg(not(loom))]

use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use myrt_executor::scheduler::Scheduler;
use myrt_executor::task::{AbortHandle, JoinHandle};

fn schedulers() -> Vec<(&'static str, Scheduler)> {
    vec![
        ("current", Scheduler::current_thread().unwrap()),
        ("multi-2", Scheduler::multi_thread(2).unwrap()),
    ]
}

/// Where a future was polled and where it was dropped.
#[derive(Default)]
struct Seen {
    polled: Mutex<Vec<usize>>,
    dropped: Mutex<Option<usize>>,
}

impl Seen {
    fn check(&self, what: &str) {
        let polled = self.polled.lock().unwrap();
        let dropped = self.dropped.lock().unwrap();
        let at = dropped.unwrap_or_else(|| panic!("{what}: future never dropped"));
        assert!(!polled.is_empty(), "{what}: future never polled");
        for p in polled.iter() {
            assert_eq!(*p, at, "{what}: polled at {p:#x}, dropped at {at:#x}");
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Ready on the first poll.
    Complete,
    /// Panics on the first poll.
    Panic,
    /// Pending until `gate` is opened.
    Wait,
    /// Aborts its own task during its poll (abort while running).
    AbortSelf,
}

/// A `!Unpin` future that records its address in `poll` and `Drop`.
struct Pinned {
    seen: Arc<Seen>,
    mode: Mode,
    gate: Arc<AtomicUsize>,
    me: Arc<Mutex<Option<AbortHandle>>>,
    _pin: PhantomPinned,
}

impl Future for Pinned {
    type Output = usize;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let addr = &*self as *const Pinned as usize;
        self.seen.polled.lock().unwrap().push(addr);
        match self.mode {
            Mode::Complete => Poll::Ready(7),
            Mode::Panic => panic!("boom at {addr:#x}"),
            Mode::AbortSelf => {
                if let Some(h) = self.me.lock().unwrap().as_ref() {
                    h.abort();
                }
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Mode::Wait => {
                if self.gate.load(SeqCst) == 1 {
                    Poll::Ready(7)
                } else {
                    // Poll again soon: a busy-wait keeps the test free of wakers.
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
            }
        }
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        *self.seen.dropped.lock().unwrap() = Some(self as *const Pinned as usize);
    }
}

struct Case {
    seen: Arc<Seen>,
    gate: Arc<AtomicUsize>,
    handle: JoinHandle<usize>,
}

fn spawn(rt: &Scheduler, mode: Mode) -> Case {
    let seen = Arc::new(Seen::default());
    let gate = Arc::new(AtomicUsize::new(0));
    let me = Arc::new(Mutex::new(None));
    let fut = Pinned {
        seen: seen.clone(),
        mode,
        gate: gate.clone(),
        me: me.clone(),
        _pin: PhantomPinned,
    };
    let handle = rt.spawn(fut);
    *me.lock().unwrap() = Some(handle.abort_handle());
    Case { seen, gate, handle }
}

fn wait_polled(rt: &Scheduler, seen: &Seen) {
    rt.block_on(async {
        while seen.polled.lock().unwrap().is_empty() {
            myrt_executor::task::yield_now().await;
        }
    });
}

#[test]
fn completed_future_is_dropped_where_it_was_polled() {
    for (name, rt) in schedulers() {
        let c = spawn(&rt, Mode::Complete);
        assert_eq!(rt.block_on(c.handle).unwrap(), 7);
        c.seen.check(name);
    }
}

#[test]
fn panicking_future_is_dropped_where_it_was_polled() {
    for (name, rt) in schedulers() {
        let c = spawn(&rt, Mode::Panic);
        assert!(rt.block_on(c.handle).unwrap_err().is_panic());
        c.seen.check(name);
    }
}

#[test]
fn future_aborted_while_idle_is_dropped_in_place() {
    for (name, rt) in schedulers() {
        let c = spawn(&rt, Mode::Wait);
        wait_polled(&rt, &c.seen);
        c.handle.abort();
        let err = rt.block_on(c.handle).unwrap_err();
        assert!(err.is_cancelled(), "{name}: {err}");
        c.seen.check(name);
    }
}

#[test]
fn future_aborted_while_running_is_dropped_in_place() {
    for (name, rt) in schedulers() {
        let c = spawn(&rt, Mode::AbortSelf);
        let err = rt.block_on(c.handle).unwrap_err();
        assert!(err.is_cancelled(), "{name}: {err}");
        c.seen.check(name);
    }
}

#[test]
fn future_cancelled_by_runtime_drop_is_dropped_in_place() {
    for (name, rt) in schedulers() {
        let c = spawn(&rt, Mode::Wait);
        wait_polled(&rt, &c.seen);
        drop(rt);
        c.seen.check(name);
        drop(c.handle);
    }
}

#[test]
fn detached_future_is_dropped_in_place() {
    for (name, rt) in schedulers() {
        // JoinHandle dropped before completion.
        let c = spawn(&rt, Mode::Wait);
        wait_polled(&rt, &c.seen);
        drop(c.handle);
        c.gate.store(1, SeqCst);
        rt.block_on(async {
            while c.seen.dropped.lock().unwrap().is_none() {
                myrt_executor::task::yield_now().await;
            }
        });
        c.seen.check(name);
        // JoinHandle dropped after completion (output never read).
        let c = spawn(&rt, Mode::Complete);
        rt.block_on(async {
            while !c.handle.is_finished() {
                myrt_executor::task::yield_now().await;
            }
        });
        drop(c.handle);
        c.seen.check(name);
    }
}

/// Tasks parked in tokio's intrusive `Notify` list are aborted; notifying
/// afterwards must not touch their (freed) waiter nodes.
#[test]
fn tokio_notify_waiters_survive_abort() {
    for (name, rt) in schedulers() {
        let notify = Arc::new(tokio::sync::Notify::new());
        let ready = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (n, r) = (notify.clone(), ready.clone());
                rt.spawn(async move {
                    let notified = n.notified();
                    let mut notified = std::pin::pin!(notified);
                    notified.as_mut().enable();
                    r.fetch_add(1, SeqCst);
                    notified.await;
                })
            })
            .collect();
        rt.block_on(async {
            while ready.load(SeqCst) < 8 {
                myrt_executor::task::yield_now().await;
            }
        });
        for t in &tasks {
            t.abort();
        }
        for t in tasks {
            assert!(rt.block_on(t).unwrap_err().is_cancelled(), "{name}");
        }
        notify.notify_one();
        notify.notify_waiters();
        // A fresh waiter gets the stored permit: the list is intact.
        rt.block_on(notify.notified());
    }
}

/// The same with event-listener (what async-lock and async-channel use).
#[test]
fn event_listener_waiters_survive_abort() {
    for (name, rt) in schedulers() {
        let event = Arc::new(event_listener::Event::new());
        let ready = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (e, r) = (event.clone(), ready.clone());
                rt.spawn(async move {
                    let listener = e.listen();
                    r.fetch_add(1, SeqCst);
                    listener.await;
                })
            })
            .collect();
        rt.block_on(async {
            while ready.load(SeqCst) < 8 {
                myrt_executor::task::yield_now().await;
            }
        });
        // Let every task reach its first Pending.
        rt.block_on(async {
            for _ in 0..16 {
                myrt_executor::task::yield_now().await;
            }
        });
        for t in &tasks {
            t.abort();
        }
        for t in tasks {
            assert!(rt.block_on(t).unwrap_err().is_cancelled(), "{name}");
        }
        assert_eq!(
            event.notify(usize::MAX),
            0,
            "{name}: aborted listeners left in the list"
        );
        let l = event.listen();
        event.notify(1);
        rt.block_on(l);
    }
}
