//! concurrent.futures futures on the real runtime: tasks await pool
//! futures without blocking workers; threads wait on task results.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use myrt::executor::{as_completed, Executor, ThreadPoolExecutor};
use myrt::runtime::Builder;

/// A gate plain threads wait on until the test opens it.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    cv: Condvar,
}

impl Gate {
    fn wait(&self) {
        let mut g = self.open.lock().unwrap();
        while !*g {
            g = self.cv.wait_timeout(g, Duration::from_secs(30)).unwrap().0;
        }
    }
    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.cv.notify_all();
    }
}

#[test]
fn a_thousand_tasks_await_pool_futures_without_blocking_the_worker() {
    // One worker: if awaiting a pool future blocked it, nothing else could run.
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let pool = Arc::new(ThreadPoolExecutor::builder().max_workers(4).build());
    let gate = Arc::new(Gate::default());
    let finished = Arc::new(AtomicUsize::new(0));
    let n = 1000;
    let mut tasks = Vec::new();
    for i in 0..n {
        let g = gate.clone();
        let fut = pool
            .submit(move || {
                g.wait();
                i * 2
            })
            .unwrap();
        let finished = finished.clone();
        tasks.push(rt.spawn(async move {
            let v = fut.await.unwrap();
            finished.fetch_add(1, Ordering::SeqCst);
            v
        }));
    }
    // While all 1,000 tasks wait, the single worker still runs other tasks.
    let other = rt.block_on(async { myrt::spawn(async { "still serving" }).await.unwrap() });
    assert_eq!(other, "still serving");
    assert_eq!(finished.load(Ordering::SeqCst), 0);
    gate.open();
    let total: usize = rt.block_on(async move {
        let mut t = 0;
        for h in tasks {
            t += h.await.unwrap();
        }
        t
    });
    assert_eq!(total, n * (n - 1));
    assert_eq!(finished.load(Ordering::SeqCst), n);
}

#[test]
fn as_completed_from_a_task_yields_in_completion_order() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let pool = ThreadPoolExecutor::builder().max_workers(3).build();
    let gates: Vec<Arc<Gate>> = (0..3).map(|_| Arc::new(Gate::default())).collect();
    let futs: Vec<_> = (0..3)
        .map(|i| {
            let g = gates[i].clone();
            pool.submit(move || {
                g.wait();
                i
            })
            .unwrap()
        })
        .collect();
    let order = Arc::new(Mutex::new(Vec::new()));
    let o = order.clone();
    let gates2 = gates.clone();
    rt.block_on(async move {
        use futures_util::StreamExt;
        let mut stream = as_completed(futs);
        // Open in reverse order, one at a time, waiting for each result.
        for i in (0..3).rev() {
            gates2[i].open();
            let v = stream.next().await.unwrap().result().unwrap();
            o.lock().unwrap().push(v);
        }
        assert!(stream.next().await.is_none());
    });
    assert_eq!(*order.lock().unwrap(), vec![2, 1, 0]);
}
