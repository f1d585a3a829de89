//! Loom models of parking: a wake-up sent before, during or after `park`
//! is never lost, whether the worker sleeps on the driver or its condvar.

use loom::sync::atomic::AtomicBool;
use loom::sync::Arc;
use loom::thread;

use super::multi::{DriverSlot, Parker};
use crate::park::{CondvarPark, Park};

fn slot() -> Arc<DriverSlot> {
    Arc::new(DriverSlot {
        taken: AtomicBool::new(false),
        park: std::sync::Arc::new(CondvarPark::new()),
    })
}

#[test]
fn unpark_is_never_lost() {
    loom::model(|| {
        let driver = slot();
        let p = Arc::new(Parker::new());
        let (p2, d2) = (p.clone(), driver.clone());
        let t = thread::spawn(move || p2.unpark(&d2));
        p.park(&driver); // loom reports a deadlock if this never returns
        t.join().unwrap();
    });
}

#[test]
fn two_parkers_one_driver() {
    loom::model(|| {
        let driver = slot();
        let a = Arc::new(Parker::new());
        let b = Arc::new(Parker::new());
        let (a2, b2, d2) = (a.clone(), b.clone(), driver.clone());
        let t = thread::spawn(move || {
            b2.park(&d2);
        });
        let (a3, b3, d3) = (a.clone(), b.clone(), driver.clone());
        let u = thread::spawn(move || {
            a3.unpark(&d3);
            b3.unpark(&d3);
        });
        a2.park(&driver);
        t.join().unwrap();
        u.join().unwrap();
    });
}

#[test]
fn condvar_park_token() {
    loom::model(|| {
        let p = Arc::new(CondvarPark::new());
        let p2 = p.clone();
        let t = thread::spawn(move || p2.unpark());
        p.park(None);
        t.join().unwrap();
    });
}

/// A stand-in scheduler for the idle/search protocol: `work` counts queued
/// tasks; workers run the real `Sleep::sleep`, `Idle` and `Parker`.
struct Sched {
    idle: super::multi::Idle,
    parkers: Vec<Parker>,
    driver: DriverSlot,
    shutdown: AtomicBool,
    work: loom::sync::atomic::AtomicUsize,
}

impl Sched {
    fn new(workers: usize) -> Arc<Sched> {
        Arc::new(Sched {
            idle: super::multi::Idle::new(workers),
            parkers: (0..workers).map(|_| Parker::new()).collect(),
            driver: DriverSlot {
                taken: AtomicBool::new(false),
                park: std::sync::Arc::new(CondvarPark::new()),
            },
            shutdown: AtomicBool::new(false),
            work: loom::sync::atomic::AtomicUsize::new(0),
        })
    }

    fn has_work(&self) -> bool {
        loom::sync::atomic::fence(SeqCst);
        self.work.load(SeqCst) > 0
    }

    fn notify(&self) {
        if let Some(i) = self.idle.worker_to_notify() {
            self.parkers[i].unpark(&self.driver);
        }
    }

    /// `push_remote`: publish, then wake a sleeper if nobody searches.
    fn push(&self) {
        self.work.fetch_add(1, SeqCst);
        self.notify();
    }

    /// `begin_shutdown`.
    fn shut_down(&self) {
        self.shutdown.store(true, SeqCst);
        for p in &self.parkers {
            p.unpark(&self.driver);
        }
    }

    fn take(&self) -> bool {
        let mut n = self.work.load(SeqCst);
        while n > 0 {
            match self.work.compare_exchange(n, n - 1, SeqCst, SeqCst) {
                Ok(_) => return true,
                Err(m) => n = m,
            }
        }
        false
    }

    /// A worker's loop: take work (waking another when it was the last
    /// searcher, as `worker_loop` does), otherwise search once and sleep.
    /// Returns the tasks it ran before shutdown or once `quota` ran.
    fn worker(&self, index: usize, quota: usize) -> usize {
        let mut ran = 0;
        let mut searching = false;
        while ran < quota {
            if self.shutdown.load(SeqCst) {
                break;
            }
            if self.take() {
                if searching {
                    searching = false;
                    if self.idle.stop_searching() {
                        self.notify();
                    }
                }
                ran += 1;
                continue;
            }
            if !searching && self.idle.start_searching() {
                searching = true;
                continue; // one more look as a searcher
            }
            let sleep = super::multi::Sleep {
                idle: &self.idle,
                parker: &self.parkers[index],
                driver: &self.driver,
                shutdown: &self.shutdown,
                has_work: &|| self.has_work(),
                notify: &|| self.notify(),
            };
            searching = sleep.sleep(index, searching, || (), |()| ());
        }
        ran
    }
}

use loom::sync::atomic::Ordering::SeqCst;

/// Work pushed from outside while the only worker goes to sleep is never
/// missed: the worker either sees it in its last look or is woken (loom
/// reports a deadlock if it sleeps forever).
#[test]
fn idle_worker_never_misses_a_push() {
    loom::model(|| {
        let s = Sched::new(1);
        let s2 = s.clone();
        let w = thread::spawn(move || s2.worker(0, 1));
        s.push();
        assert_eq!(w.join().unwrap(), 1);
    });
}

/// Two pushes, two workers: both tasks run, whichever worker takes them
/// (the searching hand-off keeps someone awake while work is queued).
#[test]
fn two_workers_run_every_push() {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(2);
    b.check(|| {
        let s = Sched::new(2);
        let (s0, s1) = (s.clone(), s.clone());
        let w0 = thread::spawn(move || s0.worker(0, 2));
        let w1 = thread::spawn(move || s1.worker(1, 2));
        s.push();
        s.push();
        // Stop the workers once both tasks ran.
        while s.work.load(SeqCst) > 0 {
            thread::yield_now();
        }
        s.shut_down();
        let ran = w0.join().unwrap() + w1.join().unwrap();
        assert_eq!(ran, 2);
    });
}

/// Shutdown wakes every sleeping worker, whether it sleeps on the driver
/// or on its condition variable, and whenever it arrives.
#[test]
fn shutdown_wakes_every_sleeper() {
    loom::model(|| {
        let s = Sched::new(2);
        let (s0, s1) = (s.clone(), s.clone());
        let w0 = thread::spawn(move || s0.worker(0, 1));
        let w1 = thread::spawn(move || s1.worker(1, 1));
        s.shut_down();
        assert_eq!(w0.join().unwrap() + w1.join().unwrap(), 0);
    });
}
