//! Loom models: `Condition::wait_timeout`'s expiry racing `notify`.
//!
//! With a zero timeout the waiter queues, finds its deadline passed and
//! checks for a notification at once, without parking; each waiter has a
//! lock of its own (a condition is not tied to one lock), so re-taking it
//! never blocks either. That leaves exactly the race under test: `notify`
//! marking a waiter against the waiter's timeout taking it off the queue.
#![cfg(loom)]

mod loom_util;

use std::time::Duration;

use loom::sync::Arc;
use loom::thread;
use loom_util::block_on;
use myrt_sync::{Condition, Lock};

/// Takes `lock` and waits on `cond` with a zero timeout; returns the flag.
fn wait_expired(lock: &Lock<()>, cond: &Condition) -> bool {
    let g = block_on(lock.lock());
    let (g, notified) = cond.blocking_wait_timeout(g, Duration::ZERO);
    drop(g);
    notified
}

#[test]
fn wait_timeout_expiry_vs_notify_keeps_the_notification() {
    // A notification that reached the waiter is reported, whichever of the
    // two ran first, and one that did not is not.
    loom::model(|| {
        let cond = Arc::new(Condition::new());
        let c2 = cond.clone();
        let waiter = thread::spawn(move || wait_expired(&Lock::new(()), &c2));
        let woken = cond.notify(1);
        let notified = waiter.join().unwrap();
        assert_eq!(notified, woken == 1, "woken={woken} notified={notified}");
        assert_eq!(cond.n_waiting(), 0);
    });
}

#[test]
fn notify_one_vs_two_expiring_waiters_reports_exactly_the_woken() {
    // However the two timeouts and the notify interleave, the waiters that
    // report a notification are exactly the ones `notify` counted.
    loom::model(|| {
        let cond = Arc::new(Condition::new());
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let c = cond.clone();
                thread::spawn(move || wait_expired(&Lock::new(()), &c))
            })
            .collect();
        let woken = cond.notify(1);
        let notified = waiters
            .into_iter()
            .map(|w| w.join().unwrap())
            .filter(|&n| n)
            .count();
        assert_eq!(notified, woken, "woken={woken} notified={notified}");
        assert_eq!(cond.n_waiting(), 0);
    });
}
