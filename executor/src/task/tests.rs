//! Drop counting over every task transition (in the manner of async-task's
//! tests): how often the future and the output are dropped, how often the
//! scheduler hook runs, and when the cell is freed (the hook is dropped
//! with the cell). Each count must be exact: a leak, a double drop or a
//! use after free shows up as a wrong number (and under miri/ASan as an
//! error).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use super::{new_task, JoinHandle, Notified, RawTask, Schedule};

#[derive(Default)]
struct Counts {
    polls: AtomicUsize,
    future_drops: AtomicUsize,
    output_drops: AtomicUsize,
    schedules: AtomicUsize,
    frees: AtomicUsize,
}

impl Counts {
    fn get(&self) -> [usize; 5] {
        [
            self.polls.load(SeqCst),
            self.future_drops.load(SeqCst),
            self.output_drops.load(SeqCst),
            self.schedules.load(SeqCst),
            self.frees.load(SeqCst),
        ]
    }
}

/// The scheduler hook: queues what it is given and counts; its drop (with
/// the cell) counts a free.
struct Sched {
    counts: Arc<Counts>,
    queue: Arc<Mutex<VecDeque<Notified>>>,
}

impl Schedule for Sched {
    fn schedule(&self, task: Notified, _yielded: bool) {
        self.queue.lock().unwrap().push_back(task);
        self.counts.schedules.fetch_add(1, SeqCst);
    }
    fn release(&self, _task: RawTask) -> bool {
        false
    }
}

impl Drop for Sched {
    fn drop(&mut self) {
        self.counts.frees.fetch_add(1, SeqCst);
    }
}

#[derive(Clone, Copy)]
enum Act {
    Ready,
    Pending,
    /// Wakes itself by reference, then is pending (resubmit).
    SelfWake,
    Panic,
}

struct Fut {
    counts: Arc<Counts>,
    script: Vec<Act>,
    waker: Arc<Mutex<Option<Waker>>>,
    panic_on_drop: bool,
}

struct Out(Arc<Counts>);

impl Drop for Out {
    fn drop(&mut self) {
        self.0.output_drops.fetch_add(1, SeqCst);
    }
}

impl Future for Fut {
    type Output = Out;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Out> {
        let n = self.counts.polls.fetch_add(1, SeqCst);
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        let act = self.script.get(n).copied().unwrap_or(Act::Ready);
        match act {
            Act::Ready => Poll::Ready(Out(self.counts.clone())),
            Act::Pending => Poll::Pending,
            Act::SelfWake => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Act::Panic => {
                self.script.clear();
                panic!("scripted panic")
            }
        }
    }
}

impl Drop for Fut {
    fn drop(&mut self) {
        self.counts.future_drops.fetch_add(1, SeqCst);
        if self.panic_on_drop {
            panic!("scripted drop panic");
        }
    }
}

struct T {
    counts: Arc<Counts>,
    queue: Arc<Mutex<VecDeque<Notified>>>,
    waker: Arc<Mutex<Option<Waker>>>,
    handle: Option<JoinHandle<Out>>,
}

impl T {
    fn new(script: Vec<Act>, panic_on_drop: bool) -> T {
        let counts = Arc::new(Counts::default());
        let queue = Arc::new(Mutex::new(VecDeque::new()));
        let waker = Arc::new(Mutex::new(None));
        let fut = Fut {
            counts: counts.clone(),
            script,
            waker: waker.clone(),
            panic_on_drop,
        };
        let sched = Sched {
            counts: counts.clone(),
            queue: queue.clone(),
        };
        let (notified, handle) = new_task(fut, sched, None, false);
        queue.lock().unwrap().push_back(notified);
        T {
            counts,
            queue,
            waker,
            handle: Some(handle),
        }
    }

    /// Runs queued tasks until the queue is empty; returns how many ran.
    fn run(&self) -> usize {
        let mut n = 0;
        loop {
            let t = self.queue.lock().unwrap().pop_front();
            match t {
                Some(t) => {
                    t.run();
                    n += 1;
                }
                None => return n,
            }
        }
    }

    fn take_waker(&self) -> Waker {
        self.waker
            .lock()
            .unwrap()
            .take()
            .expect("future stored a waker")
    }

    fn join(&mut self) -> Poll<Result<Out, super::JoinError>> {
        let h = self.handle.as_mut().expect("handle present");
        Pin::new(h).poll(&mut Context::from_waker(&noop()))
    }

    /// `[polls, future drops, output drops, schedules, frees]`
    fn counts(&self) -> [usize; 5] {
        self.counts.get()
    }
}

#[test]
fn complete_and_join() {
    let mut t = T::new(vec![Act::Ready], false);
    assert_eq!(t.run(), 1);
    let out = match t.join() {
        Poll::Ready(Ok(out)) => out,
        _ => panic!("not ready"),
    };
    assert_eq!(t.counts(), [1, 1, 0, 0, 0]);
    drop(out);
    drop(t.handle.take());
    assert_eq!(t.counts(), [1, 1, 1, 0, 0]);
    // The stored waker still holds a reference.
    drop(t.take_waker());
    assert_eq!(t.counts(), [1, 1, 1, 0, 1]);
}

#[test]
fn wake_by_val_and_by_ref_while_idle() {
    let mut t = T::new(vec![Act::Pending, Act::Pending, Act::Ready], false);
    t.run();
    t.take_waker().wake();
    assert_eq!(t.counts(), [1, 0, 0, 1, 0]);
    t.run();
    let w = t.take_waker();
    w.wake_by_ref();
    w.wake_by_ref(); // already notified: no second schedule
    assert_eq!(t.counts(), [2, 0, 0, 2, 0]);
    t.run();
    drop(w);
    assert!(matches!(t.join(), Poll::Ready(Ok(_))));
    drop(t.handle.take());
    drop(t.take_waker());
    assert_eq!(t.counts(), [3, 1, 1, 2, 1]);
}

#[test]
fn self_wake_during_poll_resubmits() {
    let mut t = T::new(vec![Act::SelfWake, Act::Ready], false);
    assert_eq!(t.run(), 2);
    assert_eq!(t.counts(), [2, 1, 0, 1, 0]);
    drop(t.join());
    drop(t.handle.take());
    drop(t.take_waker());
    assert_eq!(t.counts(), [2, 1, 1, 1, 1]);
}

#[test]
fn wake_after_completion_does_nothing() {
    let mut t = T::new(vec![Act::Ready], false);
    t.run();
    let w = t.take_waker();
    w.wake_by_ref();
    drop(t.handle.take()); // output dropped by the handle
    assert_eq!(t.counts(), [1, 1, 1, 0, 0]);
    w.wake(); // last reference
    assert_eq!(t.counts(), [1, 1, 1, 0, 1]);
    assert!(t.queue.lock().unwrap().is_empty());
}

#[test]
fn abort_idle_drops_future_at_once() {
    let mut t = T::new(vec![Act::Pending], false);
    t.run();
    t.handle.as_ref().unwrap().abort();
    assert_eq!(t.counts(), [1, 1, 0, 0, 0]);
    assert!(matches!(t.join(), Poll::Ready(Err(e)) if e.is_cancelled()));
    drop(t.handle.take());
    t.take_waker().wake(); // woken after completion: no schedule, frees
    assert_eq!(t.counts(), [1, 1, 0, 0, 1]);
}

#[test]
fn abort_while_queued_cancels_on_run() {
    let mut t = T::new(vec![Act::Pending], false);
    t.run();
    t.take_waker().wake();
    // Queued (notified): abort claims the future and drops it now; the
    // queued entry is skipped when it runs.
    t.handle.as_ref().unwrap().abort();
    assert_eq!(t.counts(), [1, 1, 0, 1, 0]);
    assert_eq!(t.run(), 1);
    assert_eq!(t.counts(), [1, 1, 0, 1, 0]);
    assert!(matches!(t.join(), Poll::Ready(Err(e)) if e.is_cancelled()));
    drop(t.handle.take());
    assert_eq!(t.counts(), [1, 1, 0, 1, 1]);
}

#[test]
fn abort_before_first_poll() {
    let mut t = T::new(vec![Act::Ready], false);
    t.handle.as_ref().unwrap().abort();
    assert_eq!(t.counts(), [0, 1, 0, 0, 0]);
    t.run();
    assert!(matches!(t.join(), Poll::Ready(Err(e)) if e.is_cancelled()));
    drop(t.handle.take());
    assert_eq!(t.counts(), [0, 1, 0, 0, 1]);
}

#[test]
fn join_handle_dropped_before_completion() {
    let mut t = T::new(vec![Act::Pending], false);
    t.run();
    drop(t.handle.take());
    assert_eq!(t.counts(), [1, 0, 0, 0, 0]);
    t.take_waker().wake();
    t.run();
    // The output is dropped by the completer; the new stored waker holds
    // the last reference.
    assert_eq!(t.counts(), [2, 1, 1, 1, 0]);
    drop(t.take_waker());
    assert_eq!(t.counts(), [2, 1, 1, 1, 1]);
}

#[test]
fn notified_dropped_without_running() {
    // A shut-down scheduler drops its queue: the future goes with the cell.
    let mut t = T::new(vec![Act::Ready], false);
    drop(t.handle.take());
    let n = t.queue.lock().unwrap().pop_front().unwrap();
    drop(n);
    assert_eq!(t.counts(), [0, 1, 0, 0, 1]);
}

#[test]
fn panic_in_poll_is_a_join_error() {
    let mut t = T::new(vec![Act::Panic], false);
    t.run();
    assert!(matches!(t.join(), Poll::Ready(Err(e)) if e.is_panic()));
    drop(t.handle.take());
    drop(t.take_waker());
    assert_eq!(t.counts(), [1, 1, 0, 0, 1]);
}

#[test]
fn panic_in_drop_on_abort_is_a_join_error() {
    let mut t = T::new(vec![Act::Pending], true);
    t.run();
    t.handle.as_ref().unwrap().abort();
    assert!(matches!(t.join(), Poll::Ready(Err(e)) if e.is_panic()));
    drop(t.handle.take());
    drop(t.take_waker());
    assert_eq!(t.counts(), [1, 1, 0, 0, 1]);
}

#[test]
fn panic_in_drop_after_ready_is_a_join_error() {
    let mut t = T::new(vec![Act::Ready], true);
    t.run();
    // The output was dropped with the panic; the error says why.
    assert!(matches!(t.join(), Poll::Ready(Err(e)) if e.is_panic()));
    assert_eq!(t.counts(), [1, 1, 1, 0, 0]);
    drop(t.handle.take());
    drop(t.take_waker());
    assert_eq!(t.counts(), [1, 1, 1, 0, 1]);
}

#[test]
fn wake_from_another_thread_keeps_the_task_alive_across_schedule() {
    // Many rounds of: another thread wakes by value while this one runs and
    // completes the task. Under miri/ASan a schedule call that outlived the
    // cell would be reported.
    for _ in 0..if cfg!(miri) { 5 } else { 200 } {
        let mut t = T::new(vec![Act::Pending], false);
        t.run();
        let w = t.take_waker();
        let th = std::thread::spawn(move || w.wake());
        loop {
            t.run();
            if th.is_finished() {
                break;
            }
            std::thread::yield_now();
        }
        th.join().unwrap();
        t.run();
        assert!(matches!(t.join(), Poll::Ready(Ok(_))));
        drop(t.handle.take());
        drop(t.take_waker());
        assert_eq!(t.counts(), [2, 1, 1, 1, 1]);
    }
}

fn noop() -> Waker {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    Waker::from(Arc::new(Noop))
}
