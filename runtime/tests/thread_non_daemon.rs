//! Python waits for non-daemon threads at exit; `#[myrt::main]` does so by
//! calling `myrt::thread::join_non_daemon` after the body. One test
//! function per concern, run in sequence (they share the process-wide
//! count of non-daemon threads).

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use myrt::sync::Event;
use myrt::thread::{self, Thread};

#[test]
fn join_non_daemon_waits_for_non_daemon_threads_only() {
    // A non-daemon thread blocked on an event holds the wait up.
    let go = Arc::new(Event::new());
    let finished = Arc::new(AtomicBool::new(false));
    let (g, f) = (go.clone(), finished.clone());
    let t = Thread::new(move || {
        g.blocking_wait();
        f.store(true, SeqCst);
    })
    .start();
    assert!(!thread::join_non_daemon_timeout(Duration::from_millis(10)));
    assert!(t.is_alive());
    go.set();
    thread::join_non_daemon();
    assert!(finished.load(SeqCst), "returned before the thread finished");
    drop(t);

    // A daemon thread, blocked for good, does not.
    let stuck = Arc::new(Event::new());
    let s = stuck.clone();
    let d = Thread::builder()
        .daemon(true)
        .spawn(move || s.blocking_wait())
        .unwrap();
    assert!(thread::join_non_daemon_timeout(thread::TIMEOUT_MAX));
    thread::join_non_daemon();
    assert!(d.is_alive());

    // Threads started meanwhile are waited for too: A starts B and ends.
    let go_b = Arc::new(Event::new());
    let g = go_b.clone();
    let finished_b = Arc::new(AtomicBool::new(false));
    let f = finished_b.clone();
    let a = Thread::new(move || {
        Thread::new(move || {
            g.blocking_wait();
            f.store(true, SeqCst);
        })
        .start()
        .ident()
    })
    .start();
    let b = a.join().unwrap();
    assert!(thread::enumerate().iter().any(|i| i.ident() == b));
    assert!(!thread::join_non_daemon_timeout(Duration::from_millis(10)));
    go_b.set();
    assert!(thread::join_non_daemon_timeout(Duration::MAX));
    assert!(finished_b.load(SeqCst));

    // A non-daemon thread does not wait for itself.
    let t = Thread::new(|| thread::join_non_daemon_timeout(Duration::MAX)).start();
    assert!(t.join().unwrap());

    stuck.set();
    d.join().unwrap();

    main_waits_for_its_threads();
    main_without_waiting();
}

static BODY_DONE: LazyLock<Event> = LazyLock::new(Event::new);
static THREAD_DONE: AtomicBool = AtomicBool::new(false);

/// Sets `BODY_DONE` when the body's future is dropped, i.e. after the body
/// has returned.
struct SetOnDrop;

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        BODY_DONE.set();
    }
}

/// The thread can only finish after the body has returned; the function
/// returns after it (the expansion's `join_non_daemon`).
#[myrt::main(flavor = "current_thread")]
async fn program() -> u32 {
    let _done = SetOnDrop;
    Thread::new(|| {
        BODY_DONE.blocking_wait();
        THREAD_DONE.store(true, SeqCst);
    })
    .start();
    7
}

fn main_waits_for_its_threads() {
    assert_eq!(program(), 7);
    assert!(
        THREAD_DONE.load(SeqCst),
        "`#[myrt::main]` returned before its thread ended"
    );
}

static RELEASE: LazyLock<Event> = LazyLock::new(Event::new);

#[myrt::main(flavor = "current_thread", wait_threads = false)]
async fn program_no_wait() -> u64 {
    // Blocked until the caller releases it: waiting would never return.
    Thread::new(|| RELEASE.blocking_wait()).start().ident()
}

fn main_without_waiting() {
    let ident = program_no_wait();
    assert!(thread::enumerate().iter().any(|i| i.ident() == ident));
    RELEASE.set();
    thread::join_non_daemon();
    assert!(!thread::enumerate().iter().any(|i| i.ident() == ident));
}
