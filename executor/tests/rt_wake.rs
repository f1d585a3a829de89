//! Wake-ups from other threads are never lost, the LIFO slot and budget do
//! not starve anyone, and names, ids and the task list are right.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use myrt_executor::scheduler::Scheduler;
use myrt_executor::task::{self, TaskState};

/// A one-shot flag a plain thread sets and tasks await.
#[derive(Default)]
struct Flag {
    set: AtomicBool,
    wakers: Mutex<Vec<Waker>>,
}

impl Flag {
    fn set(&self) {
        self.set.store(true, Ordering::SeqCst);
        let wakers = std::mem::take(&mut *self.wakers.lock().unwrap());
        for w in wakers {
            w.wake();
        }
    }
    fn wait(self: &Arc<Self>) -> impl Future<Output = ()> {
        struct W(Arc<Flag>);
        impl Future for W {
            type Output = ();
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
                if self.0.set.load(Ordering::SeqCst) {
                    return Poll::Ready(());
                }
                self.0.wakers.lock().unwrap().push(cx.waker().clone());
                if self.0.set.load(Ordering::SeqCst) {
                    return Poll::Ready(());
                }
                Poll::Pending
            }
        }
        W(self.clone())
    }
}

fn scale(n: usize) -> usize {
    if cfg!(miri) {
        4
    } else {
        n
    }
}

#[test]
fn cross_thread_wakes_are_never_lost() {
    for workers in [1, 2, 4] {
        let rt = Scheduler::multi_thread(workers).unwrap();
        let rounds = scale(2_000);
        let tasks = 8;
        let flags: Vec<Vec<Arc<Flag>>> = (0..tasks)
            .map(|_| (0..rounds).map(|_| Arc::new(Flag::default())).collect())
            .collect();
        let done = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        for f in &flags {
            let f = f.clone();
            let done = done.clone();
            handles.push(rt.spawn(async move {
                for flag in f {
                    flag.wait().await;
                }
                done.fetch_add(1, Ordering::SeqCst);
            }));
        }
        // Setter threads race the tasks' registration.
        let setters: Vec<_> = flags
            .into_iter()
            .map(|f| {
                std::thread::spawn(move || {
                    for flag in f {
                        flag.set();
                        if cfg!(not(miri)) {
                            std::hint::spin_loop();
                        }
                    }
                })
            })
            .collect();
        for s in setters {
            s.join().unwrap();
        }
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            Scheduler::current_thread().unwrap().block_on(async {
                for h in handles {
                    h.await.unwrap();
                }
            });
            let _ = tx.send(());
        });
        rx.recv_timeout(Duration::from_secs(60))
            .expect("a wake-up was lost: tasks hung");
        assert_eq!(done.load(Ordering::SeqCst), tasks);
    }
}

#[test]
fn ping_pong_between_tasks() {
    for rt in [
        Scheduler::current_thread().unwrap(),
        Scheduler::multi_thread(2).unwrap(),
    ] {
        let n = scale(1000);
        let count = rt.block_on(async move {
            let mut count = 0;
            for _ in 0..n {
                let flag = Arc::new(Flag::default());
                let f2 = flag.clone();
                let h = task::spawn(async move { f2.wait().await });
                flag.set();
                h.await.unwrap();
                count += 1;
            }
            count
        });
        assert_eq!(count, n);
    }
}

#[test]
fn a_busy_task_does_not_starve_others() {
    // One task yields forever; another must still get to run and finish.
    for rt in [
        Scheduler::current_thread().unwrap(),
        Scheduler::multi_thread(1).unwrap(),
    ] {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let spinner = rt.spawn(async move {
            while !s.load(Ordering::SeqCst) {
                task::yield_now().await;
            }
        });
        let v = rt.block_on(async { task::spawn(async { 11 }).await.unwrap() });
        assert_eq!(v, 11);
        stop.store(true, Ordering::SeqCst);
        rt.block_on(spinner).unwrap();
    }
}

#[test]
fn chained_wakes_through_lifo_slot_do_not_starve_the_queue() {
    // Two tasks wake each other forever (LIFO ping-pong); a third queued
    // task must still run on a single worker.
    let rt = Scheduler::multi_thread(1).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let a = Arc::new(Flag::default());
    let b = Arc::new(Flag::default());
    let pingpong = |me: Arc<Flag>, other: Arc<Flag>, stop: Arc<AtomicBool>| async move {
        loop {
            me.wait().await;
            me.set.store(false, Ordering::SeqCst);
            if stop.load(Ordering::SeqCst) {
                other.set();
                return;
            }
            other.set();
        }
    };
    let h1 = rt.spawn(pingpong(a.clone(), b.clone(), stop.clone()));
    let h2 = rt.spawn(pingpong(b.clone(), a.clone(), stop.clone()));
    a.set();
    let v = rt.block_on(async { task::spawn(async { 5 }).await.unwrap() });
    assert_eq!(v, 5);
    stop.store(true, Ordering::SeqCst);
    a.set();
    b.set();
    rt.block_on(async {
        h1.await.unwrap();
        h2.await.unwrap();
    });
}

#[test]
fn names_ids_current_and_all() {
    let rt = Scheduler::multi_thread(2).unwrap();
    rt.block_on(async {
        assert!(
            task::current().is_none(),
            "block_on's own future is not a task"
        );
        let gate = Arc::new(Flag::default());
        let g = gate.clone();
        let h = task::Builder::new()
            .name("sleeper")
            .spawn(async move {
                let me = task::current().unwrap();
                g.wait().await;
                me
            })
            .unwrap();
        let id = h.id();
        // The task shows up in the list, idle or scheduled, with its name.
        let mut seen = None;
        for _ in 0..1000 {
            seen = task::all().into_iter().find(|t| t.id == id);
            if seen.as_ref().is_some_and(|t| t.state == TaskState::Idle) {
                break;
            }
            task::yield_now().await;
        }
        let seen = seen.expect("spawned task listed by task::all");
        assert_eq!(seen.name.as_deref(), Some("sleeper"));
        gate.set();
        let me = h.await.unwrap();
        assert_eq!(me.id, id);
        assert_eq!(me.name.as_deref(), Some("sleeper"));
        assert!(
            task::all().iter().all(|t| t.id != id),
            "finished task left the list"
        );
    });
}

#[test]
fn blocking_pool_runs_jobs_and_reports_threads() {
    let mut cfg =
        myrt_executor::scheduler::Config::new(myrt_executor::scheduler::Flavor::MultiThread);
    cfg.worker_threads = 1;
    cfg.max_blocking_threads = 3;
    cfg.blocking_keep_alive = Duration::from_millis(50);
    let rt = Scheduler::new(cfg).unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let n = scale(12);
    let results = rt.block_on(async {
        let hs: Vec<_> = (0..n)
            .map(|i| {
                let running = running.clone();
                let peak = peak.clone();
                task::spawn_blocking(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    running.fetch_sub(1, Ordering::SeqCst);
                    i * 3
                })
            })
            .collect();
        let mut v = Vec::new();
        for h in hs {
            v.push(h.await.unwrap());
        }
        v
    });
    assert_eq!(results, (0..n).map(|i| i * 3).collect::<Vec<_>>());
    assert!(peak.load(Ordering::SeqCst) <= 3, "cap respected");
    assert!(rt.handle().metrics().blocking_threads <= 3);
    // Idle threads exit after the keep-alive.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while rt.handle().metrics().blocking_threads > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "blocking threads never shrank"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // A panicking blocking job is a JoinError, not a dead pool.
    let e = rt.block_on(async {
        task::spawn_blocking(|| panic!("bad job"))
            .await
            .unwrap_err()
    });
    assert!(e.is_panic());
    assert_eq!(
        rt.block_on(async { task::spawn_blocking(|| 1).await.unwrap() }),
        1
    );
}

#[test]
fn metrics_count_live_tasks() {
    let rt = Scheduler::multi_thread(2).unwrap();
    let gate = Arc::new(Flag::default());
    let hs: Vec<_> = (0..10)
        .map(|_| {
            let g = gate.clone();
            rt.spawn(async move { g.wait().await })
        })
        .collect();
    let m = rt.handle().metrics();
    assert_eq!(m.workers, 2);
    assert_eq!(m.live_tasks, 10);
    gate.set();
    rt.block_on(async {
        for h in hs {
            h.await.unwrap();
        }
    });
    assert_eq!(rt.handle().metrics().live_tasks, 0);
}

/// A leaf future that is always ready but spends coop budget, like a socket
/// that always has data.
struct AlwaysReady;
impl Future for AlwaysReady {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        myrt_executor::coop::poll_budget(cx)
    }
}

#[test]
fn coop_budget_makes_an_always_ready_task_yield() {
    // On one thread, a task looping on an always-ready resource would never
    // give the other task a turn without the budget.
    let rt = Scheduler::current_thread().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let busy = rt.spawn(async move {
        let mut n = 0u64;
        while !s.load(Ordering::SeqCst) {
            AlwaysReady.await;
            n += 1;
        }
        n
    });
    let st = stop.clone();
    let other = rt.spawn(async move {
        st.store(true, Ordering::SeqCst);
    });
    let n = rt.block_on(async move {
        other.await.unwrap();
        busy.await.unwrap()
    });
    assert!(n >= 1);
}

#[test]
fn budget_does_not_leak_from_one_runtime_to_the_next_on_a_thread() {
    // A current-thread block_on spends budget on this thread; a later
    // multi-thread block_on on the same thread must start fresh.
    let ct = Scheduler::current_thread().unwrap();
    ct.block_on(async {
        for _ in 0..1000 {
            AlwaysReady.await;
        }
    });
    assert_eq!(
        myrt_executor::coop::remaining(),
        None,
        "no budget outside a poll"
    );
    let mt = Scheduler::multi_thread(2).unwrap();
    let v = mt.block_on(async {
        let hs: Vec<_> = (0..500).map(|i| task::spawn(async move { i })).collect();
        let mut s = 0;
        for h in hs {
            s += h.await.unwrap();
        }
        s
    });
    assert_eq!(v, 500 * 499 / 2);
}
