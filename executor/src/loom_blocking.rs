//! Loom models of the blocking pool (its threads are loom threads under
//! `cfg(loom)`): a job pushed while the pool shuts down either runs or is
//! cancelled, exactly once, and every pool thread exits (loom reports a
//! deadlock if one is left waiting).

use std::sync::Arc;
use std::time::Duration;

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::thread;

use super::BlockingPool;
use crate::hooks::Hooks;

fn pool(max: usize) -> BlockingPool {
    let hooks = Hooks::bare();
    BlockingPool::new(max, Duration::from_secs(1), hooks)
}

/// Counts its drop: a job's closure is dropped once, run or not.
struct Guard(Arc<AtomicUsize>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn job(p: &BlockingPool, ran: &Arc<AtomicUsize>, dropped: &Arc<AtomicUsize>) {
    let (r, g) = (ran.clone(), Guard(dropped.clone()));
    drop(p.spawn(move || {
        let _g = g;
        r.fetch_add(1, SeqCst);
    }));
}

#[test]
fn job_racing_shutdown_runs_or_is_cancelled_once() {
    loom::model(|| {
        let p = Arc::new(pool(1));
        let (ran, dropped) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (p2, r2, d2) = (p.clone(), ran.clone(), dropped.clone());
        let t = thread::spawn(move || job(&p2, &r2, &d2));
        p.shutdown(None);
        t.join().unwrap();
        // A job pushed after the shutdown is cancelled at once.
        job(&p, &ran, &dropped);
        // `shutdown(None)` does not wait for a running job: wait for both
        // closures here (a lost job would leave this loop spinning, which
        // loom reports).
        while dropped.load(SeqCst) < 2 {
            thread::yield_now();
        }
        assert_eq!(dropped.load(SeqCst), 2, "each job's closure dropped once");
        assert!(ran.load(SeqCst) <= 1, "the job after shutdown never runs");
    });
}

#[test]
fn two_jobs_one_thread_then_shutdown() {
    loom::model(|| {
        let p = pool(1);
        let (ran, dropped) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        job(&p, &ran, &dropped);
        job(&p, &ran, &dropped);
        p.shutdown(None);
        // Queued jobs cancelled, a running one finishes: either way once.
        while dropped.load(SeqCst) < 2 {
            thread::yield_now();
        }
        assert!(ran.load(SeqCst) <= 2);
    });
}
