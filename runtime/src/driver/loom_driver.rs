//! Loom models of the driver's readiness word (`ScheduledIo`): a readiness
//! event racing a task that saw readiness, got `WouldBlock` and clears it,
//! and shutdown racing a task that starts to wait. In each, the task either
//! sees the event (or the shutdown) in its last poll or its waker is woken:
//! epoll is edge-triggered here, so a lost event would be a task asleep
//! forever.

use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
use loom::thread;

use super::scheduled_io::{Direction, ScheduledIo, READABLE};

struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, SeqCst);
    }
}

fn flag_waker() -> (Arc<Flag>, Waker) {
    let f = Arc::new(Flag(AtomicBool::new(false)));
    (f.clone(), Waker::from(f))
}

/// The driver's side of one event: record it, then wake outside the lock.
fn event(io: &ScheduledIo, ready: u8) {
    let mut wake = Vec::new();
    io.set_readiness(ready, &mut wake);
    wake.into_iter().for_each(Waker::wake);
}

#[test]
fn event_during_clear_is_never_lost() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new(0));
        event(&io, READABLE); // readable at the start
        let io2 = io.clone();
        let driver = thread::spawn(move || event(&io2, READABLE));
        let (flag, waker) = flag_waker();
        let mut cx = Context::from_waker(&waker);
        let ev = match io.poll_ready(&mut cx, Direction::Read) {
            Poll::Ready(Ok(ev)) => ev,
            other => panic!("readable at the start: {other:?}"),
        };
        // The read returned WouldBlock: clear what this poll saw.
        io.clear_readiness(ev);
        let last = io.poll_ready(&mut cx, Direction::Read);
        driver.join().unwrap();
        assert!(
            last.is_ready() || flag.0.load(SeqCst),
            "the second event was wiped out and nobody was woken"
        );
    });
}

#[test]
fn shutdown_racing_a_wait_wakes_or_fails_it() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new(0));
        let io2 = io.clone();
        let driver = thread::spawn(move || {
            let mut wake = Vec::new();
            io2.shutdown(&mut wake);
            wake.into_iter().for_each(Waker::wake);
        });
        let (flag, waker) = flag_waker();
        let mut cx = Context::from_waker(&waker);
        let first = io.poll_ready(&mut cx, Direction::Read);
        driver.join().unwrap();
        match first {
            Poll::Ready(r) => assert!(
                r.is_err(),
                "no event was sent: only shutdown can end the wait"
            ),
            Poll::Pending => assert!(flag.0.load(SeqCst), "shutdown left a waiter asleep"),
        }
    });
}

/// The eventfd, as a flag a blocked poller waits on.
struct FakeEventFd {
    written: loom::sync::Mutex<bool>,
    cv: loom::sync::Condvar,
}

impl FakeEventFd {
    fn write(&self) {
        *self.written.lock().unwrap() = true;
        self.cv.notify_one();
    }

    /// Blocks like `epoll_wait` without a timeout until a write, and
    /// consumes it.
    fn wait(&self) {
        let mut w = self.written.lock().unwrap();
        while !*w {
            w = self.cv.wait(w).unwrap();
        }
        *w = false;
    }
}

/// One driver thread parking until it has seen `wakes` wake-ups from as
/// many other threads: each wake-up either leaves `NOTIFIED` for a later
/// `enter_poll` or writes the eventfd of a thread that is polling, so the
/// parker never blocks forever (loom reports a deadlock otherwise).
fn parker_sees_every_wake(wakes: usize) {
    loom::model(move || {
        use super::wake::WakeWord;
        let word = Arc::new(WakeWord::new());
        let fd = Arc::new(FakeEventFd {
            written: loom::sync::Mutex::new(false),
            cv: loom::sync::Condvar::new(),
        });
        let done = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let wakers: Vec<_> = (0..wakes)
            .map(|_| {
                let (word, fd, done) = (word.clone(), fd.clone(), done.clone());
                thread::spawn(move || {
                    done.fetch_add(1, SeqCst);
                    if word.wake() {
                        fd.write();
                    }
                })
            })
            .collect();
        // The driver thread: park until every waker has run, polling
        // (blocking on the eventfd) whenever no wake-up is pending. It
        // looks at `done` only before it parks, as a scheduler looks at
        // its queues: a wake-up lost after that look is a deadlock.
        while done.load(SeqCst) < wakes {
            if !word.enter_poll() {
                fd.wait();
            }
            word.leave_poll();
        }
        for w in wakers {
            w.join().unwrap();
        }
    });
}

#[test]
fn a_wake_is_seen_whether_the_driver_polls_or_runs() {
    parker_sees_every_wake(1);
}

#[test]
fn two_wakes_racing_a_parking_driver() {
    parker_sees_every_wake(2);
}
