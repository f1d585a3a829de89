//! `myrt::thread::Timer`: fires once after its interval, never after a
//! cancel that came first, and can be joined either way.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use myrt::sync::Event;
use myrt::thread::{Role, Timer};

#[test]
fn timer_fires_once() {
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let t = Timer::new(Duration::from_millis(1), move || {
        r.fetch_add(1, SeqCst);
        myrt::thread::current_thread()
    })
    .name("ticker")
    .start();
    assert_eq!(t.name(), "ticker");
    let info = t.join().unwrap().expect("not cancelled, so it ran");
    assert_eq!(info.name(), "ticker");
    assert_eq!(info.role(), Role::User);
    assert_eq!(runs.load(SeqCst), 1);
}

#[test]
fn timer_cancelled_before_firing_never_runs() {
    let ran = Arc::new(Event::new());
    let r = ran.clone();
    // An interval that cannot pass during the test: only the cancel ends it.
    let t = Timer::new(Duration::MAX, move || r.set()).start();
    assert!(t.is_alive());
    assert!(t.cancel(), "cancelled before firing");
    assert!(t.cancel(), "a second cancel reports the same");
    assert_eq!(t.join().unwrap(), None);
    assert!(!ran.is_set(), "the function ran after a cancel");
}

#[test]
fn cancel_after_firing_reports_false() {
    let fired = Arc::new(Event::new());
    let go = Arc::new(Event::new());
    let (f, g) = (fired.clone(), go.clone());
    let t = Timer::new(Duration::ZERO, move || {
        f.set();
        g.blocking_wait();
        5
    })
    .start();
    fired.blocking_wait();
    assert!(!t.cancel(), "the function is already running");
    go.set();
    assert_eq!(t.join().unwrap(), Some(5));
}

#[test]
fn timer_join_timeout_and_async_join() {
    let t = Timer::new(Duration::MAX, || ()).start();
    let t = match t.join_timeout(Duration::from_millis(5)) {
        Err(e) => e.into_handle().unwrap(),
        Ok(v) => panic!("a timer waiting forever was joined: {v:?}"),
    };
    assert!(t.is_alive());
    assert!(t.cancel(), "the handle came back, still able to cancel");
    assert_eq!(t.join().unwrap(), None);
    let t = Timer::new(Duration::MAX, || 1).daemon(true).start();
    assert!(t.is_daemon());
    t.cancel();
    let got = myrt::run(async move { t.join_async().await });
    assert_eq!(got.unwrap(), None);
}

#[test]
fn a_panicking_timer_function_is_reported_by_join() {
    let t = Timer::new(Duration::ZERO, || -> u8 { panic!("timer blew up") }).start();
    assert_eq!(t.join().unwrap_err().message(), Some("timer blew up"));
}
