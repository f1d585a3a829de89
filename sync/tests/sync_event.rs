//! Event: ports in spirit of CPython's test_locks.py EventTests.

mod common;

use common::{block_on, join, Task};
use myrt_sync::Event;
use std::sync::Arc;
use std::time::Duration;

#[test]
fn wait_returns_at_once_when_set() {
    let ev = Event::new();
    assert!(!ev.is_set());
    ev.set();
    assert!(ev.is_set());
    block_on(ev.wait());
    ev.blocking_wait();
    assert!(ev.blocking_wait_timeout(Duration::ZERO));
}

#[test]
fn set_wakes_every_waiter() {
    let ev = Event::new();
    let mut ws: Vec<_> = (0..5).map(|_| Task::new(ev.wait())).collect();
    for w in &mut ws {
        w.pending();
    }
    ev.set();
    for w in &mut ws {
        assert!(w.woken());
        w.ready();
    }
}

#[test]
fn woken_waiter_returns_even_if_cleared_before_it_runs() {
    let ev = Event::new();
    let mut w = Task::new(ev.wait());
    w.pending();
    ev.set();
    ev.clear();
    w.ready();
}

#[test]
fn waiters_after_clear_wait_again() {
    let ev = Event::new();
    ev.set();
    ev.clear();
    assert!(!ev.is_set());
    let mut w = Task::new(ev.wait());
    w.pending();
    w.pending();
    assert!(!w.woken());
    ev.set();
    assert!(w.woken());
    w.ready();
}

#[test]
fn cancelled_waiter_does_not_disturb_others() {
    let ev = Event::new();
    let mut a = Task::new(ev.wait());
    let mut b = Task::new(ev.wait());
    a.pending();
    b.pending();
    drop(a);
    ev.set();
    assert!(b.woken());
    b.ready();
}

#[test]
fn wait_timeout_times_out_when_clear() {
    let ev = Event::new();
    assert!(!ev.blocking_wait_timeout(Duration::from_millis(10)));
}

#[test]
fn threads_and_tasks_wait_together() {
    let ev = Arc::new(Event::new());
    let hs: Vec<_> = (0..4)
        .map(|i| {
            let ev = ev.clone();
            std::thread::spawn(move || match i % 3 {
                0 => block_on(ev.wait()),
                1 => ev.blocking_wait(),
                _ => assert!(ev.blocking_wait_timeout(common::LIMIT)),
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(5));
    ev.set();
    for h in hs {
        join(h);
    }
}
