//! `task_local!` scopes and `time::call_later`/`call_at` handles.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use myrt::sync::Event;
use myrt::task::{self, AccessError};

myrt::task_local! {
    static ID: u32;
    /// A second key, to show keys are independent.
    pub(crate) static NAME: String;
}

#[test]
fn scope_sets_the_value_across_awaits_and_worker_moves() {
    let rt = myrt::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let seen = rt.block_on(async {
        let h = myrt::spawn(ID.scope(5, async {
            let mut seen = Vec::new();
            for _ in 0..50 {
                task::yield_now().await;
                seen.push(ID.get());
            }
            seen
        }));
        h.await.unwrap()
    });
    assert_eq!(seen, vec![5; 50]);
}

#[test]
fn nested_scopes_shadow_and_restore() {
    myrt::run(async {
        let e: AccessError = ID.try_get().unwrap_err();
        assert!(e.to_string().contains("outside a scope"), "{e}");
        ID.scope(1, async {
            assert_eq!(ID.get(), 1);
            ID.scope(2, async {
                assert_eq!(ID.get(), 2);
                NAME.scope("n".to_string(), async {
                    assert_eq!(ID.get(), 2);
                    NAME.with(|n| assert_eq!(n, "n"));
                })
                .await;
                assert!(NAME.try_with(|_| ()).is_err());
            })
            .await;
            assert_eq!(ID.get(), 1);
        })
        .await;
        assert!(ID.try_get().is_err());
    });
}

#[test]
fn spawned_tasks_inherit_nothing() {
    myrt::run(async {
        let child_saw_none = ID
            .scope(9, async {
                let child = myrt::spawn(async { ID.try_get().is_err() });
                child.await.unwrap()
            })
            .await;
        assert!(child_saw_none, "a child task saw its parent's task-local");
        // Passing it on explicitly works.
        let v = ID
            .scope(9, async {
                let child = myrt::spawn(ID.scope(ID.get(), async { ID.get() }));
                child.await.unwrap()
            })
            .await;
        assert_eq!(v, 9);
    });
}

#[test]
fn two_tasks_interleaving_on_one_thread_keep_their_own_values() {
    let rt = myrt::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let a = myrt::spawn(ID.scope(1, async {
            for _ in 0..20 {
                assert_eq!(ID.get(), 1);
                task::yield_now().await;
            }
        }));
        let b = myrt::spawn(ID.scope(2, async {
            for _ in 0..20 {
                assert_eq!(ID.get(), 2);
                task::yield_now().await;
            }
        }));
        a.await.unwrap();
        b.await.unwrap();
    });
}

#[test]
fn sync_scope_and_panics_restore_the_slot() {
    assert_eq!(ID.sync_scope(3, || ID.get() + 1), 4);
    assert!(ID.try_get().is_err());
    let r = std::panic::catch_unwind(|| ID.sync_scope(4, || panic!("boom")));
    assert!(r.is_err());
    assert!(
        ID.try_get().is_err(),
        "a panic inside the scope left the value set"
    );
    let r = std::panic::catch_unwind(|| ID.with(|v| *v));
    assert!(r.is_err(), "with outside a scope must panic");
}

#[test]
fn the_inner_future_is_dropped_inside_the_scope() {
    thread_local!(static SEEN_ON_DROP: Cell<Option<u32>> = const { Cell::new(None) });
    struct Probe;
    impl Drop for Probe {
        fn drop(&mut self) {
            SEEN_ON_DROP.with(|s| s.set(ID.try_get().ok()));
        }
    }
    myrt::run(async {
        let probe = Probe;
        let fut = ID.scope(11, async move {
            let _p = probe;
            std::future::pending::<()>().await;
        });
        // Poll once, then cancel.
        let r = myrt::time::timeout(Duration::from_millis(1), fut).await;
        assert!(r.is_err());
    });
    assert_eq!(SEEN_ON_DROP.with(Cell::get), Some(11));
}

#[test]
fn call_later_runs_once_and_cancel_stops_it() {
    myrt::run(async {
        let count = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(Event::new());
        let (c, d) = (count.clone(), done.clone());
        let t0 = Instant::now();
        let h = myrt::time::call_later(Duration::from_millis(10), move || {
            c.fetch_add(1, Ordering::SeqCst);
            d.set();
        });
        assert!(h.when() >= t0 + Duration::from_millis(10));
        done.wait().await;
        assert!(Instant::now() >= h.when(), "callback ran early");
        assert!(h.started());
        assert!(
            !h.cancel(),
            "cancelling a callback that ran must report false"
        );
        assert!(!h.cancelled());

        let c = count.clone();
        let never = myrt::time::call_later(Duration::from_millis(1), move || {
            c.fetch_add(100, Ordering::SeqCst);
        });
        assert!(never.cancel());
        assert!(
            never.cancel(),
            "a second cancel still reports the callback will not run"
        );
        assert!(never.cancelled());
        myrt::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(count.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn call_at_in_the_past_runs_soon_and_dropping_the_handle_keeps_it() {
    myrt::run(async {
        let done = Arc::new(Event::new());
        let d = done.clone();
        drop(myrt::time::call_at(
            Instant::now() - Duration::from_secs(1),
            move || d.set(),
        ));
        done.wait().await;
    });
}

#[test]
fn call_later_outside_a_runtime_is_an_error() {
    let e = myrt::time::checked_call_later(Duration::from_millis(1), || {}).unwrap_err();
    assert!(e.to_string().contains("runtime"), "{e}");
    let r = std::panic::catch_unwind(|| myrt::time::call_later(Duration::ZERO, || {}));
    assert!(r.is_err());
}
