//! A current-thread runtime dropped from inside one of its own tasks while
//! its `block_on` goes on waiting for another thread: the block_on returns
//! when its future does, every task is dropped, and every fd the runtimes
//! opened is closed (the core the block_on held is dropped when it is put
//! back after shutdown, instead of keeping the runtime alive through its
//! queued tasks). One test in this file: it counts the process's fds.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use myrt::runtime::Builder;

mod fd_util;
use fd_util::{fd_count, Counted};

#[test]
fn current_thread_runtime_dropped_inside_its_task_releases_everything() {
    let before = fd_count();
    for round in 0..20 {
        let rt = Builder::new_current_thread().build().unwrap();
        let handle = rt.handle().clone();
        let dropped = Arc::new(AtomicUsize::new(0));
        for _ in 0..8 {
            let c = Counted(dropped.clone());
            rt.spawn(async move {
                let _c = c;
                loop {
                    myrt::task::yield_now().await;
                }
            });
        }
        let slot = Arc::new(Mutex::new(Some(rt)));
        let event = Arc::new(myrt::sync::Event::new());
        let e2 = event.clone();
        let setter = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            e2.set();
        });
        let s2 = slot.clone();
        let v = handle.block_on(async move {
            let dropper = myrt::spawn(async move {
                drop(s2.lock().unwrap().take());
            });
            let _ = dropper.await;
            event.wait().await;
            7
        });
        setter.join().unwrap();
        assert_eq!(v, 7);
        // The shutdown runs on its own thread: wait for it, boundedly.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while dropped.load(SeqCst) < 8 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(dropped.load(SeqCst), 8, "round {round}: tasks not dropped");
        drop(handle);
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while fd_count() != before && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(fd_count(), before, "the runtimes left fds open");
}
