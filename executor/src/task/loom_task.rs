//! Loom models of the task state machine: wake during poll, abort racing
//! completion, `JoinHandle` drop racing completion, join-waker hand-off.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::sync::{Arc, Mutex};
use loom::thread;

use super::{new_task, JoinHandle, Notified, RawTask, Schedule};

/// A scheduler that queues woken tasks for the model to run. Holding a loom
/// `Arc` inside each task makes loom report a leaked task.
#[derive(Clone)]
struct Queue(Arc<Mutex<VecDeque<Notified>>>, Arc<AtomicUsize>);

impl Schedule for Queue {
    fn schedule(&self, task: Notified, _yielded: bool) {
        self.0.lock().unwrap().push_back(task);
        // Touch `self` (inside the task cell) after the push, as a real
        // scheduler's unpark does: another thread may already be running
        // the task, so the caller's reference is what keeps `self` alive.
        self.1.fetch_add(1, SeqCst);
    }
    fn release(&self, _task: RawTask) -> bool {
        false
    }
}

impl Queue {
    fn new() -> Queue {
        Queue(
            Arc::new(Mutex::new(VecDeque::new())),
            Arc::new(AtomicUsize::new(0)),
        )
    }
    fn run_all(&self) {
        loop {
            let t = self.0.lock().unwrap().pop_front();
            match t {
                Some(t) => t.run(),
                None => return,
            }
        }
    }
}

/// Ready once `flag` is set; registers its waker otherwise.
struct Gate {
    flag: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
    drops: Arc<AtomicUsize>,
}

impl Future for Gate {
    type Output = Out;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Out> {
        if self.flag.load(SeqCst) {
            return Poll::Ready(Out(self.drops.clone()));
        }
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        if self.flag.load(SeqCst) {
            return Poll::Ready(Out(self.drops.clone()));
        }
        Poll::Pending
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

/// The output; counts its drop too.
struct Out(Arc<AtomicUsize>);
impl Drop for Out {
    fn drop(&mut self) {
        self.0.fetch_add(10, SeqCst);
    }
}

struct Setup {
    queue: Queue,
    flag: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
    drops: Arc<AtomicUsize>,
    handle: JoinHandle<Out>,
}

fn setup() -> Setup {
    let queue = Queue::new();
    let flag = Arc::new(AtomicBool::new(false));
    let waker = Arc::new(Mutex::new(None));
    let drops = Arc::new(AtomicUsize::new(0));
    let gate = Gate {
        flag: flag.clone(),
        waker: waker.clone(),
        drops: drops.clone(),
    };
    let (notified, handle) = new_task(gate, queue.clone(), None, false);
    queue.schedule(notified, false);
    Setup {
        queue,
        flag,
        waker,
        drops,
        handle,
    }
}

fn open(flag: &AtomicBool, waker: &Mutex<Option<Waker>>) {
    flag.store(true, SeqCst);
    let w = waker.lock().unwrap().take();
    if let Some(w) = w {
        w.wake();
    }
}

fn poll_join(h: &mut JoinHandle<Out>) -> Poll<Result<Out, super::JoinError>> {
    let waker = futures_noop();
    let mut cx = Context::from_waker(&waker);
    Pin::new(h).poll(&mut cx)
}

fn futures_noop() -> Waker {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    Waker::from(std::sync::Arc::new(Noop))
}

#[test]
fn wake_from_another_thread_during_poll() {
    loom::model(|| {
        let s = setup();
        let (flag, waker) = (s.flag.clone(), s.waker.clone());
        let t = thread::spawn(move || open(&flag, &waker));
        s.queue.run_all();
        t.join().unwrap();
        s.queue.run_all();
        let mut h = s.handle;
        match poll_join(&mut h) {
            Poll::Ready(Ok(out)) => drop(out),
            other => panic!("task did not complete: {:?}", other.is_pending()),
        }
        drop(h);
        // Future dropped once (1) and output dropped once (10).
        assert_eq!(s.drops.load(SeqCst), 11);
    });
}

#[test]
fn abort_races_completion() {
    loom::model(|| {
        let s = setup();
        s.queue.run_all(); // first poll: pending
        let (flag, waker, queue) = (s.flag.clone(), s.waker.clone(), s.queue.clone());
        let t = thread::spawn(move || {
            open(&flag, &waker);
            queue.run_all();
        });
        s.handle.abort();
        t.join().unwrap();
        s.queue.run_all();
        let mut h = s.handle;
        let finished_ok = match poll_join(&mut h) {
            Poll::Ready(Ok(out)) => {
                drop(out);
                true
            }
            Poll::Ready(Err(e)) => {
                assert!(e.is_cancelled());
                false
            }
            Poll::Pending => panic!("aborted task never finished"),
        };
        drop(h);
        let d = s.drops.load(SeqCst);
        if finished_ok {
            assert_eq!(d, 11);
        } else {
            assert_eq!(d, 1, "future dropped exactly once, no output");
        }
    });
}

#[test]
fn join_handle_drop_races_completion() {
    loom::model(|| {
        let s = setup();
        s.queue.run_all();
        let (flag, waker, queue) = (s.flag.clone(), s.waker.clone(), s.queue.clone());
        let t = thread::spawn(move || {
            open(&flag, &waker);
            queue.run_all();
        });
        drop(s.handle);
        t.join().unwrap();
        s.queue.run_all();
        assert_eq!(
            s.drops.load(SeqCst),
            11,
            "future and output each dropped once"
        );
    });
}

#[test]
fn join_waker_is_woken_on_completion() {
    loom::model(|| {
        let s = setup();
        s.queue.run_all();
        let (flag, waker, queue) = (s.flag.clone(), s.waker.clone(), s.queue.clone());
        let t = thread::spawn(move || {
            open(&flag, &waker);
            queue.run_all();
        });
        // Register a join waker that records being woken.
        let woken = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        struct Rec(std::sync::Arc<std::sync::atomic::AtomicBool>);
        impl std::task::Wake for Rec {
            fn wake(self: std::sync::Arc<Self>) {
                self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let w = Waker::from(std::sync::Arc::new(Rec(woken.clone())));
        let mut h = s.handle;
        let first = Pin::new(&mut h).poll(&mut Context::from_waker(&w));
        t.join().unwrap();
        match first {
            Poll::Ready(r) => drop(r.ok()),
            Poll::Pending => {
                assert!(
                    woken.load(std::sync::atomic::Ordering::SeqCst),
                    "join waker lost"
                );
                match poll_join(&mut h) {
                    Poll::Ready(Ok(out)) => drop(out),
                    _ => panic!("woken but not ready"),
                }
            }
        }
        drop(h);
        assert_eq!(s.drops.load(SeqCst), 11);
    });
}
