//! `spawn_local` and `LocalSet`: `!Send` tasks on the thread that runs
//! them, on both runtime flavors.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use myrt::runtime::Builder;
use myrt::task::{checked_spawn_local, spawn_local, LocalSet};

fn both_flavors(f: impl Fn(&myrt::runtime::Runtime)) {
    f(&Builder::new_current_thread().build().unwrap());
    f(&Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap());
}

#[test]
fn block_on_runs_local_tasks_on_its_thread() {
    both_flavors(|rt| {
        let me = std::thread::current().id();
        let out = rt.block_on(async move {
            let log = Rc::new(RefCell::new(Vec::new()));
            let mut hs = Vec::new();
            for i in 0..10 {
                let log = log.clone();
                hs.push(spawn_local(async move {
                    assert_eq!(std::thread::current().id(), me);
                    myrt::task::yield_now().await;
                    // A timer wakes it from the driver, possibly another thread.
                    myrt::time::sleep(Duration::from_millis(1)).await;
                    log.borrow_mut().push(i);
                    i * 2
                }));
            }
            let mut sum = 0;
            for h in hs {
                sum += h.await.unwrap();
            }
            let mut seen = log.borrow().clone();
            seen.sort_unstable();
            (sum, seen)
        });
        assert_eq!(out, (90, (0..10).collect::<Vec<_>>()));
    });
}

#[test]
fn local_tasks_spawn_local_tasks_and_send_tasks_cannot() {
    both_flavors(|rt| {
        rt.block_on(async {
            let inner = spawn_local(async { spawn_local(async { 7 }).await.unwrap() + 1 });
            assert_eq!(inner.await.unwrap(), 8);
            let from_send_task = myrt::spawn(async { checked_spawn_local(async {}).is_err() });
            assert!(from_send_task.await.unwrap());
        });
    });
    assert!(checked_spawn_local(async {}).is_err(), "outside any set");
    let r = std::panic::catch_unwind(|| spawn_local(async {}));
    assert!(r.is_err());
}

#[test]
fn abort_drops_the_future_and_the_handle_reports_cancelled() {
    both_flavors(|rt| {
        rt.block_on(async {
            let dropped = Rc::new(Cell::new(false));
            struct Flag(Rc<Cell<bool>>);
            impl Drop for Flag {
                fn drop(&mut self) {
                    self.0.set(true);
                }
            }
            let f = Flag(dropped.clone());
            let h = spawn_local(async move {
                let _f = f;
                std::future::pending::<()>().await
            });
            myrt::task::yield_now().await;
            h.abort();
            let e = h.await.unwrap_err();
            assert!(e.is_cancelled());
            assert!(dropped.get());
        });
    });
}

#[test]
fn a_panicking_local_task_is_its_handles_error() {
    both_flavors(|rt| {
        rt.block_on(async {
            let h = spawn_local(async { panic!("local boom") });
            let e = h.await.unwrap_err();
            assert!(e.is_panic());
            // The set keeps running others.
            assert_eq!(spawn_local(async { 3 }).await.unwrap(), 3);
        });
    });
}

#[test]
fn an_explicit_set_keeps_unfinished_tasks_until_dropped_or_awaited() {
    let rt = Builder::new_current_thread().build().unwrap();
    let set = LocalSet::new();
    let gate = Rc::new(Cell::new(false));
    let g = gate.clone();
    let done = Rc::new(Cell::new(0));
    let d = done.clone();
    set.spawn_local(async move {
        while !g.get() {
            myrt::task::yield_now().await;
        }
        d.set(d.get() + 1);
    });
    set.block_on(&rt, async { myrt::task::yield_now().await });
    assert_eq!(set.len(), 1, "the task outlives run_until");
    gate.set(true);
    rt.block_on(&set); // awaiting the set runs it to empty
    assert_eq!(done.get(), 1);
    assert!(set.is_empty());
    // Tasks left in a set are dropped with it; their handles see it.
    let set = LocalSet::new();
    let h = set.spawn_local(std::future::pending::<()>());
    drop(set);
    assert!(h.is_finished());
    let e = rt.block_on(h).unwrap_err();
    assert!(e.is_cancelled());
}

#[test]
fn detached_local_tasks_still_run() {
    both_flavors(|rt| {
        rt.block_on(async {
            let hit = Rc::new(Cell::new(false));
            let h = hit.clone();
            drop(spawn_local(async move { h.set(true) }));
            while !hit.get() {
                myrt::task::yield_now().await;
            }
        });
    });
}
