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
