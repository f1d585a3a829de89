//! Wakes from foreign threads racing a runtime's drop: every task is
//! released and every fd the runtime opened is closed. A wake whose state
//! transition happened before shutdown cancelled the task, but whose queue
//! push came after the injector was drained, used to strand a `Notified`
//! there: it kept the task cell, the cell's scheduler and so the driver
//! (epoll, eventfd) alive forever. The injector now refuses pushes once
//! closed. One test in this file: it counts the process's fds.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::Waker;

use myrt::runtime::Builder;

mod fd_util;
use fd_util::{fd_count, Counted};

#[test]
fn foreign_wakes_during_drop_release_every_task_and_fd() {
    const TASKS: usize = 64;
    let rounds = if std::env::var_os("MYRT_STRESS").is_some() {
        500
    } else {
        40
    };
    let before = fd_count();
    for round in 0..rounds {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let wakers: Arc<Vec<Mutex<Option<Waker>>>> =
            Arc::new((0..TASKS).map(|_| Mutex::new(None)).collect());
        let dropped = Arc::new(AtomicUsize::new(0));
        let polled = Arc::new(AtomicUsize::new(0));
        for i in 0..TASKS {
            let (w, d, p) = (wakers.clone(), dropped.clone(), polled.clone());
            rt.spawn(async move {
                let _c = Counted(d);
                let mut first = true;
                std::future::poll_fn(move |cx| {
                    *w[i].lock().unwrap() = Some(cx.waker().clone());
                    if first {
                        first = false;
                        p.fetch_add(1, SeqCst);
                    }
                    std::task::Poll::<()>::Pending
                })
                .await
            });
        }
        while polled.load(SeqCst) < TASKS {
            std::thread::yield_now();
        }
        let stop = Arc::new(AtomicBool::new(false));
        let wakers_threads: Vec<_> = (0..2)
            .map(|_| {
                let (w, stop) = (wakers.clone(), stop.clone());
                std::thread::spawn(move || {
                    while !stop.load(SeqCst) {
                        for slot in w.iter() {
                            let wk = slot.lock().unwrap().clone();
                            if let Some(wk) = wk {
                                wk.wake();
                            }
                        }
                    }
                })
            })
            .collect();
        drop(rt);
        stop.store(true, SeqCst);
        for t in wakers_threads {
            t.join().unwrap();
        }
        assert_eq!(
            dropped.load(SeqCst),
            TASKS,
            "round {round}: a task future was not dropped"
        );
        // The last wakers go: the cells (and the runtime they point to) are freed.
        drop(wakers);
    }
    assert_eq!(fd_count(), before, "the runtimes left fds open");
}
