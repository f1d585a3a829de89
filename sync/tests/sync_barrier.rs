//! Barrier: ports in spirit of CPython's test_locks.py BarrierTests.

mod common;

use common::{block_on, join, n, Task};
use myrt_sync::Barrier;
use std::sync::Arc;

#[test]
fn zero_parties_is_an_error() {
    assert!(Barrier::checked_new(0).is_err());
    let r = std::panic::catch_unwind(|| Barrier::new(0));
    assert!(r.is_err());
}

#[test]
fn one_party_passes_at_once_as_leader() {
    let b = Barrier::new(1);
    let r = block_on(b.wait()).unwrap();
    assert!(r.is_leader());
    assert_eq!(r.index(), 0);
}

#[test]
fn last_arrival_releases_everyone_with_distinct_indices() {
    let b = Barrier::new(3);
    let mut w: Vec<_> = (0..2).map(|_| Task::new(b.wait())).collect();
    for t in &mut w {
        t.pending();
    }
    assert_eq!(b.n_waiting(), 2);
    let last = block_on(b.wait()).unwrap();
    assert!(last.is_leader());
    let mut idx = vec![last.index()];
    for t in &mut w {
        assert!(t.woken());
        let r = t.ready().unwrap();
        assert!(!r.is_leader());
        idx.push(r.index());
    }
    idx.sort();
    assert_eq!(idx, [0, 1, 2]);
    assert_eq!(b.n_waiting(), 0);
}

#[test]
fn barrier_is_reusable_across_cycles() {
    let b = Barrier::new(2);
    for _ in 0..3 {
        let mut a = Task::new(b.wait());
        a.pending();
        assert!(block_on(b.wait()).unwrap().is_leader());
        assert!(!a.ready().unwrap().is_leader());
    }
}

#[test]
fn cancel_while_filling_does_not_break() {
    let b = Barrier::new(3);
    let mut a = Task::new(b.wait());
    let mut c = Task::new(b.wait());
    a.pending();
    c.pending();
    drop(c);
    assert_eq!(b.n_waiting(), 1);
    assert!(!b.is_broken());
    let mut d = Task::new(b.wait());
    d.pending(); // 2 of 3 again
    assert!(block_on(b.wait()).unwrap().is_leader());
    a.ready().unwrap();
    d.ready().unwrap();
}

#[test]
fn cancel_after_passing_changes_nothing() {
    let b = Barrier::new(2);
    let mut a = Task::new(b.wait());
    a.pending();
    block_on(b.wait()).unwrap();
    drop(a); // passed but never ran
    assert_eq!(b.n_waiting(), 0);
    let mut c = Task::new(b.wait());
    c.pending();
    assert!(block_on(b.wait()).is_ok());
    c.ready().unwrap();
}

#[test]
fn abort_breaks_current_and_future_waiters_until_reset() {
    let b = Barrier::new(3);
    let mut a = Task::new(b.wait());
    a.pending();
    b.abort();
    assert!(b.is_broken());
    assert!(a.woken());
    assert!(a.ready().is_err());
    assert!(block_on(b.wait()).is_err());
    assert!(b.blocking_wait().is_err());
    b.reset();
    assert!(!b.is_broken());
    let mut x = Task::new(b.wait());
    let mut y = Task::new(b.wait());
    x.pending();
    y.pending();
    assert!(block_on(b.wait()).unwrap().is_leader());
    x.ready().unwrap();
    y.ready().unwrap();
}

#[test]
fn reset_breaks_the_waiters_of_the_interrupted_cycle() {
    let b = Barrier::new(2);
    let mut a = Task::new(b.wait());
    a.pending();
    b.reset();
    assert!(a.ready().is_err());
    assert!(!b.is_broken());
    assert_eq!(b.n_waiting(), 0);
}

#[test]
fn threads_and_tasks_meet_at_the_barrier() {
    let parties = 4;
    let rounds = n(50, 5);
    let b = Arc::new(Barrier::new(parties));
    let hs: Vec<_> = (0..parties)
        .map(|i| {
            let b = b.clone();
            std::thread::spawn(move || {
                let mut leaders = 0;
                for _ in 0..rounds {
                    let r = if i % 2 == 0 {
                        block_on(b.wait())
                    } else {
                        b.blocking_wait()
                    };
                    leaders += usize::from(r.unwrap().is_leader());
                }
                leaders
            })
        })
        .collect();
    let leaders: usize = hs.into_iter().map(join).sum();
    assert_eq!(leaders, rounds, "exactly one leader per cycle");
}

#[test]
fn action_runs_once_per_cycle_before_anyone_is_released() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let runs = Arc::new(AtomicUsize::new(0));
    let r2 = runs.clone();
    let b = Barrier::with_action(3, move || {
        r2.fetch_add(1, Ordering::SeqCst);
    });
    for cycle in 1..=2 {
        let mut a = Task::new(b.wait());
        let mut c = Task::new(b.wait());
        a.pending();
        c.pending();
        assert_eq!(
            runs.load(Ordering::SeqCst),
            cycle - 1,
            "not before the last arrival"
        );
        let leader = block_on(b.wait()).unwrap();
        assert!(leader.is_leader());
        assert_eq!(runs.load(Ordering::SeqCst), cycle);
        assert!(a.woken() && c.woken());
        let (ra, rc) = (a.ready().unwrap(), c.ready().unwrap());
        let mut idx = [ra.index(), rc.index(), leader.index()];
        idx.sort_unstable();
        assert_eq!(idx, [0, 1, 2]);
    }
}

#[test]
fn arrivals_during_the_action_wait_for_the_next_cycle() {
    use std::sync::mpsc;
    // The action blocks until told to go on, so a newcomer arrives while
    // it runs: it must not join (or break) the cycle being released.
    let (entered_tx, entered_rx) = mpsc::channel::<()>();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let go_rx = std::sync::Mutex::new(go_rx);
    let entered_tx = std::sync::Mutex::new(entered_tx);
    let b = Arc::new(Barrier::with_action(2, move || {
        entered_tx.lock().unwrap().send(()).unwrap();
        go_rx.lock().unwrap().recv().unwrap();
    }));
    let first = {
        let b = b.clone();
        std::thread::spawn(move || b.blocking_wait().unwrap())
    };
    let leader = {
        let b = b.clone();
        // Second arrival: the leader of cycle 1, runs the action.
        std::thread::spawn(move || {
            while b.n_waiting() < 1 {
                std::thread::yield_now();
            }
            b.blocking_wait().unwrap()
        })
    };
    entered_rx.recv().unwrap(); // the action runs now
    let mut newcomer = Task::new(b.wait());
    newcomer.pending();
    go_tx.send(()).unwrap();
    let (f, l) = (join(first), join(leader));
    assert!(l.is_leader() && !f.is_leader());
    // The newcomer is in cycle 2, alone: it is let in, not released.
    assert!(newcomer.woken());
    newcomer.pending();
    assert_eq!(b.n_waiting(), 1);
    let other = {
        let b = b.clone();
        std::thread::spawn(move || b.blocking_wait().unwrap())
    };
    entered_rx.recv().unwrap();
    go_tx.send(()).unwrap();
    let o = join(other);
    assert!(o.is_leader());
    assert!(newcomer.woken());
    assert!(!newcomer.ready().unwrap().is_leader());
}

#[test]
fn a_panicking_action_breaks_the_barrier_and_panics_in_the_leader() {
    let b = Barrier::with_action(2, || panic!("action failed"));
    let mut a = Task::new(b.wait());
    a.pending();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| block_on(b.wait())));
    assert!(r.is_err(), "the panic goes on in the leader");
    assert!(a.woken());
    assert!(a.ready().is_err());
    assert!(b.is_broken());
    b.reset();
    assert!(!b.is_broken());
}

#[test]
fn a_timed_out_thread_breaks_the_barrier_for_everyone() {
    let b = Arc::new(Barrier::new(3));
    let mut task = Task::new(b.wait());
    task.pending();
    let r = b.blocking_wait_timeout(std::time::Duration::from_millis(5));
    assert!(r.is_err());
    assert!(b.is_broken());
    assert!(task.woken());
    assert!(
        task.ready().is_err(),
        "the other waiter of the cycle is broken too"
    );
    assert!(b.blocking_wait_timeout(std::time::Duration::MAX).is_err());
    b.reset();
    // A timeout that is never reached passes normally (Duration::MAX: no overflow).
    let others: Vec<_> = (0..2)
        .map(|_| {
            let b = b.clone();
            std::thread::spawn(move || b.blocking_wait_timeout(std::time::Duration::MAX))
        })
        .collect();
    let mine = b.blocking_wait_timeout(std::time::Duration::MAX).unwrap();
    let mut leaders = usize::from(mine.is_leader());
    for t in others {
        leaders += usize::from(join(t).unwrap().is_leader());
    }
    assert_eq!(leaders, 1);
}
