//! Loom models of the current-thread scheduler's core hand-over: a
//! `block_on` that finds the core taken registers to hear when it comes
//! back, and `put_core` racing that registration, or a shutdown's `drain`
//! racing `put_core`, loses neither the wake-up nor the core.

use std::sync::Arc;
use std::task::{Wake, Waker};
use std::time::Duration;

use loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
use loom::thread;

use super::current::Shared;
use super::Common;
use crate::blocking::BlockingPool;
use crate::hooks::Hooks;
use crate::park::CondvarPark;
use crate::task::registry::Registry;

fn shared() -> Arc<Shared> {
    let hooks = Hooks::bare();
    Shared::new(Common {
        registry: Registry::new(1),
        blocking: BlockingPool::new(1, Duration::from_secs(1), hooks.clone()),
        hooks,
        park: Arc::new(CondvarPark::new()),
        workers: 1,
        panics: super::panics::Panics::new(Default::default()),
    })
}

struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, SeqCst);
    }
}

/// The second `block_on` either takes the core or is woken after it was
/// put back (and then finds it there).
#[test]
fn core_put_back_while_another_block_on_registers() {
    loom::model(|| {
        let s = shared();
        let core = s.take_core_for_test().expect("core at the start");
        let s2 = s.clone();
        let holder = thread::spawn(move || s2.put_core_for_test(core));
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        let mut id = 0;
        let got = s.take_core_waiting(&mut id, &waker);
        holder.join().unwrap();
        match got {
            Some(core) => s.put_core_for_test(core),
            None => {
                assert!(flag.0.load(SeqCst), "the waiting block_on was never told");
                assert!(
                    s.take_core_waiting(&mut id, &waker).is_some(),
                    "woken, but no core"
                );
            }
        }
    });
}

/// A core put back while shutdown drains is dropped either way: after the
/// race nobody can take it, and a waiter is not left registered.
#[test]
fn core_put_back_racing_drain_is_dropped() {
    loom::model(|| {
        let s = shared();
        let core = s.take_core_for_test().expect("core at the start");
        let s2 = s.clone();
        let holder = thread::spawn(move || s2.put_core_for_test(core));
        s.drain();
        holder.join().unwrap();
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        assert!(
            s.take_core_waiting(&mut 0, &waker).is_none(),
            "a core survived shutdown"
        );
        assert_eq!(s.waiting_for_test(), 0, "registered after shutdown");
    });
}
