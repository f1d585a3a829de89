//! Loom models of the local ring: owner push/pop racing a stealer, and
//! overflow into the injector while a steal is in flight.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;

use super::queue::{local, Inject};
use crate::task::{new_task, Notified, RawTask, Schedule};

struct NoSched(std::sync::atomic::AtomicUsize);
impl Schedule for NoSched {
    fn schedule(&self, task: Notified, _yielded: bool) {
        drop(task);
        // Touch `self` after giving the task up (see `task::schedule`).
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    fn release(&self, _task: RawTask) -> bool {
        false
    }
}

struct Count(Arc<AtomicUsize>);
impl Future for Count {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        self.0.fetch_add(1, SeqCst);
        Poll::Ready(())
    }
}

fn task(runs: &Arc<AtomicUsize>) -> Notified {
    let (n, h) = new_task(
        Count(runs.clone()),
        NoSched(std::sync::atomic::AtomicUsize::new(0)),
        None,
        false,
    );
    drop(h);
    n
}

/// A stealer's side: steals into its own ring and runs what it got.
fn steal_and_run(steal: &super::queue::Steal) -> usize {
    let (mine, _s) = local();
    let mut n = 0;
    if let Some(t) = steal.steal_into(&mine) {
        t.run();
        n += 1;
    }
    while let Some(t) = mine.pop() {
        t.run();
        n += 1;
    }
    n
}

/// Runs everything the owner can pop.
fn drain(owner: &super::queue::Local) -> usize {
    let mut n = 0;
    while let Some(t) = owner.pop() {
        t.run();
        n += 1;
    }
    n
}

#[test]
fn push_pop_race_steal() {
    loom::model(|| {
        let runs = Arc::new(AtomicUsize::new(0));
        let inject = Inject::new();
        let (owner, steal) = local();
        for _ in 0..3 {
            owner.push_back(task(&runs), &inject);
        }
        let th = thread::spawn(move || steal_and_run(&steal));
        let mut n = drain(&owner);
        n += th.join().unwrap();
        assert_eq!(n, 3);
        assert_eq!(runs.load(SeqCst), 3);
    });
}

#[test]
fn overflow_while_stealing() {
    loom::model(|| {
        let runs = Arc::new(AtomicUsize::new(0));
        let inject = Arc::new(Inject::new());
        let (owner, steal) = local();
        for _ in 0..4 {
            owner.push_back(task(&runs), &inject);
        }
        let th = thread::spawn(move || steal_and_run(&steal));
        // The ring is full (or a stealer is copying out): this push goes to the injector.
        owner.push_back(task(&runs), &inject);
        let mut n = drain(&owner);
        n += th.join().unwrap();
        while let Some(t) = inject.pop() {
            t.run();
            n += 1;
        }
        assert_eq!(n, 5);
        assert_eq!(runs.load(SeqCst), 5);
    });
}

#[test]
fn batch_from_injector_races_steal() {
    loom::model(|| {
        let runs = Arc::new(AtomicUsize::new(0));
        let inject = Inject::new();
        for _ in 0..3 {
            let _ = inject.push(task(&runs));
        }
        let (owner, steal) = local();
        owner.push_back(task(&runs), &inject);
        let th = thread::spawn(move || steal_and_run(&steal));
        let mut n = 0;
        if let Some(t) = inject.pop_batch(&owner, 3) {
            t.run();
            n += 1;
        }
        n += drain(&owner);
        n += th.join().unwrap();
        while let Some(t) = inject.pop() {
            t.run();
            n += 1;
        }
        assert_eq!(n, 4);
        assert_eq!(runs.load(SeqCst), 4);
    });
}
