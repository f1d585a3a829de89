//! `multiprocessing::Pool`: apply/map/imap across worker processes, worker
//! death, recycling, initializers, terminate and drop.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use myrt::executor::FutureError;
use myrt::io::StreamExt;
use myrt::multiprocessing::Pool;

#[myrt::process_fn]
fn square(x: u64) -> u64 {
    x * x
}

#[myrt::process_fn]
fn add(a: u64, b: u64) -> u64 {
    a + b
}

#[myrt::process_fn]
fn my_pid(_: u64) -> u32 {
    std::process::id()
}

#[myrt::process_fn]
fn fail_on(x: u64) -> u64 {
    if x == 13 {
        panic!("unlucky {x}");
    }
    x
}

#[myrt::process_fn]
fn sleep_forever() {
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

#[myrt::process_fn]
fn abort() {
    std::process::abort()
}

static INITIALIZED: AtomicU64 = AtomicU64::new(0);

#[myrt::process_fn]
fn init(v: u64) {
    INITIALIZED.store(v, Ordering::SeqCst);
}

#[myrt::process_fn]
fn init_fails(v: u64) {
    panic!("no database at {v}");
}

#[myrt::process_fn]
fn initialized() -> u64 {
    INITIALIZED.load(Ordering::SeqCst)
}

/// Whether `pid` is gone (reaped: not even a zombie of ours).
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => {
            // After the `(comm)` field: state, then ppid.
            let rest = &stat[stat.rfind(')').unwrap() + 2..];
            let mut f = rest.split_whitespace();
            let _state = f.next();
            let ppid: u32 = f.next().unwrap().parse().unwrap();
            ppid != std::process::id()
        }
    }
}

/// Waits (without a timing assertion: up to a minute) until `pid` is gone.
async fn wait_gone(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !gone(pid) {
        assert!(Instant::now() < deadline, "worker {pid} was never reaped");
        myrt::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until `fut` reports RUNNING (sent to a worker).
async fn until_running<T>(fut: &myrt::executor::Future<T>) {
    while !fut.running() && !fut.done() {
        myrt::time::sleep(Duration::from_millis(5)).await;
    }
}

#[myrt::test]
async fn apply_async_apply_and_callbacks() {
    let pool = Pool::new(2).unwrap();
    let fut = pool.apply_async(square, (7,)).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    fut.add_done_callback(move |f| tx.send(f.result_cloned().unwrap()).unwrap());
    assert_eq!(fut.clone().await.unwrap(), 49);
    assert_eq!(rx.recv().unwrap(), 49);
    assert_eq!(pool.apply(add, (40, 2)).await.unwrap(), 42);
    // A thread blocks on the same kind of future.
    let fut = pool.apply_async(square, (9,)).unwrap();
    let v = myrt::task::spawn_blocking(move || fut.result_timeout(Duration::MAX))
        .await
        .unwrap();
    assert_eq!(v.unwrap(), 81);
}

#[myrt::test]
async fn map_and_starmap_keep_input_order_at_every_chunk_size() {
    let pool = Pool::new(2).unwrap();
    let want: Vec<u64> = (1..=100).map(|x| x * x).collect();
    for chunksize in [0, 1, 7, 100, 1000] {
        let got = pool
            .map(square, 1..=100u64, chunksize)
            .unwrap()
            .await
            .unwrap();
        assert_eq!(got, want, "chunksize {chunksize}");
    }
    let sums = pool
        .starmap(add, (0..10u64).map(|i| (i, 100)), 3)
        .unwrap()
        .await
        .unwrap();
    assert_eq!(sums, (100..110).collect::<Vec<u64>>());
    let empty = pool
        .map(square, Vec::<u64>::new(), 0)
        .unwrap()
        .await
        .unwrap();
    assert!(empty.is_empty());
}

#[myrt::test]
async fn a_failing_call_fails_the_map_with_its_panic() {
    let pool = Pool::new(2).unwrap();
    let err = pool.map(fail_on, 0..20u64, 4).unwrap().await.unwrap_err();
    assert_eq!(err.panic_message(), Some("unlucky 13"));
    // The pool goes on.
    assert_eq!(pool.apply(square, (3,)).await.unwrap(), 9);
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_is_ordered_imap_unordered_is_complete_as_stream_and_iterator() {
    let pool = Pool::new(2).unwrap();
    let mut it = pool.imap(square, 0..50u64, 3).unwrap();
    let mut got = Vec::new();
    while let Some(v) = it.next().await {
        got.push(v.unwrap());
    }
    assert_eq!(got, (0..50).map(|x| x * x).collect::<Vec<u64>>());

    let mut got: Vec<u64> = pool
        .imap_unordered(square, 0..50u64, 4)
        .unwrap()
        .map(Result::unwrap)
        .collect()
        .await;
    got.sort_unstable();
    assert_eq!(got, (0..50).map(|x| x * x).collect::<Vec<u64>>());

    // The iterator form, from a thread.
    let it = pool.imap(square, 0..10u64, 1).unwrap();
    let got = myrt::task::spawn_blocking(move || {
        it.into_iter().map(Result::unwrap).collect::<Vec<u64>>()
    })
    .await
    .unwrap();
    assert_eq!(got, (0..10).map(|x| x * x).collect::<Vec<u64>>());

    // A failing chunk yields its error in its place.
    let items: Vec<_> = pool.imap(fail_on, 10..16u64, 2).unwrap().collect().await;
    assert_eq!(items.len(), 5, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap(), &10);
    assert_eq!(
        items[2].as_ref().unwrap_err().panic_message(),
        Some("unlucky 13")
    );
    assert_eq!(items[4].as_ref().unwrap(), &15);
}

#[myrt::test]
async fn a_worker_killed_mid_job_fails_that_job_only_and_is_replaced() {
    let pool = Pool::new(1).unwrap();
    let stuck = pool.apply_async(sleep_forever, ()).unwrap();
    let queued = pool.apply_async(square, (5,)).unwrap();
    until_running(&stuck).await;
    let pid = pool.pids()[0];
    // SAFETY: kill(2) with integers; `pid` is our live, unreaped worker.
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGKILL) }, 0);
    let err = stuck.await.unwrap_err();
    let FutureError::WorkerDied(why) = &err else {
        panic!("{err:?}")
    };
    assert!(why.contains(&pid.to_string()), "{why}");
    assert!(why.contains("SIGKILL"), "{why}");
    assert!(why.contains("sleep_forever"), "{why}");
    assert_eq!(queued.await.unwrap(), 25);
    let now = pool.apply(my_pid, (0,)).await.unwrap();
    assert_ne!(now, pid);
    wait_gone(pid).await;
}

#[myrt::test]
async fn a_worker_that_aborts_is_reported_and_replaced() {
    let pool = Pool::new(1).unwrap();
    let err = pool.apply_async(abort, ()).unwrap().await.unwrap_err();
    assert!(
        matches!(&err, FutureError::WorkerDied(w) if w.contains("SIGABRT")),
        "{err:?}"
    );
    assert_eq!(pool.apply(square, (4,)).await.unwrap(), 16);
}

#[myrt::test]
async fn a_job_that_never_replies_times_out_and_terminate_ends_it() {
    let pool = Pool::new(1).unwrap();
    let stuck = pool.apply_async(sleep_forever, ()).unwrap();
    let queued = pool.apply_async(square, (2,)).unwrap();
    let s = stuck.clone();
    let r = myrt::task::spawn_blocking(move || s.result_timeout(Duration::from_millis(50)))
        .await
        .unwrap();
    assert!(r.unwrap_err().is_timeout());
    let pid = pool.pids()[0];
    pool.terminate();
    assert!(stuck.await.unwrap_err().is_cancelled());
    assert!(queued.await.unwrap_err().is_cancelled());
    pool.join().await;
    assert!(gone(pid));
    let err = pool.apply_async(square, (1,)).unwrap_err();
    assert!(err.to_string().contains("closed"), "{err}");
}

#[myrt::test]
async fn max_tasks_per_child_recycles_workers() {
    let pool = Pool::builder()
        .processes(1)
        .max_tasks_per_child(NonZeroUsize::new(2))
        .build()
        .unwrap();
    let mut pids = Vec::new();
    for i in 0..6 {
        pids.push(pool.apply(my_pid, (i,)).await.unwrap());
    }
    assert_eq!(pids[0], pids[1]);
    assert_eq!(pids[2], pids[3]);
    assert_eq!(pids[4], pids[5]);
    assert_ne!(pids[0], pids[2]);
    assert_ne!(pids[2], pids[4]);
    for pid in [pids[0], pids[2]] {
        wait_gone(pid).await;
    }
}

#[myrt::test]
async fn the_initializer_runs_in_each_worker_and_a_failing_one_breaks_the_pool() {
    let pool = Pool::builder()
        .processes(2)
        .initializer(init, (77,))
        .build()
        .unwrap();
    assert_eq!(pool.apply(initialized, ()).await.unwrap(), 77);
    // Not in the parent.
    assert_eq!(INITIALIZED.load(Ordering::SeqCst), 0);

    let pool = Pool::builder()
        .processes(1)
        .initializer(init_fails, (5,))
        .build()
        .unwrap();
    let err = pool.apply_async(square, (1,)).unwrap().await.unwrap_err();
    let FutureError::BrokenPool(why) = &err else {
        panic!("{err:?}")
    };
    assert!(why.contains("no database at 5"), "{why}");
    pool.join().await;
    assert!(pool.apply_async(square, (1,)).is_err());
}

#[myrt::test]
async fn closures_and_unmarked_functions_are_refused() {
    let pool = Pool::new(1).unwrap();
    let err = pool.apply_async(|x: u64| x, (1,)).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    assert!(pool.map(|x: u64| x, [1], 0).is_err());
}

#[myrt::test]
async fn close_then_join_runs_what_was_queued() {
    let pool = Pool::new(2).unwrap();
    let futs: Vec<_> = (0..10u64)
        .map(|i| pool.apply_async(square, (i,)).unwrap())
        .collect();
    pool.close();
    assert!(pool.apply_async(square, (1,)).is_err());
    pool.join().await;
    for (i, f) in futs.into_iter().enumerate() {
        assert_eq!(f.await.unwrap(), (i * i) as u64);
    }
}

#[myrt::test]
async fn dropping_a_pool_mid_work_cancels_and_reaps() {
    let pool = Pool::new(2).unwrap();
    let running: Vec<_> = (0..2)
        .map(|_| pool.apply_async(sleep_forever, ()).unwrap())
        .collect();
    let queued = pool.apply_async(square, (3,)).unwrap();
    for f in &running {
        until_running(f).await;
    }
    let pids = pool.pids();
    assert_eq!(pids.len(), 2);
    drop(pool);
    for f in running {
        assert!(f.await.unwrap_err().is_cancelled());
    }
    assert!(queued.await.unwrap_err().is_cancelled());
    for pid in pids {
        wait_gone(pid).await;
    }
}

#[myrt::process_fn]
fn echo(v: Vec<u8>) -> Vec<u8> {
    v
}

#[myrt::test]
async fn large_pipelined_arguments_and_results_do_not_deadlock() {
    // Short calls first, so the worker is sent several calls at once;
    // then calls whose arguments and results overflow the socket buffers
    // in both directions.
    let pool = Pool::new(1).unwrap();
    for i in 0..32 {
        assert_eq!(pool.apply(square, (i,)).await.unwrap(), i * i);
    }
    let items: Vec<Vec<u8>> = (0..8u8).map(|i| vec![i; 512 << 10]).collect();
    let got = pool.map(echo, items.clone(), 1).unwrap().await.unwrap();
    assert_eq!(got, items);
}

#[myrt::process_fn]
fn abort_later() {
    std::thread::sleep(Duration::from_millis(20));
    std::process::abort()
}

/// Creates `dir/i`, failing if it exists: a call run twice panics.
#[myrt::process_fn]
fn mark_once(dir: String, i: u32) -> u32 {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(format!("{dir}/{i}"))
        .unwrap_or_else(|e| panic!("call {i} ran twice: {e}"));
    i
}

#[myrt::test]
async fn calls_queued_in_a_dying_worker_run_once_in_its_successor() {
    let dir = std::env::temp_dir().join(format!("myrt-mp-once-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    let d = dir.to_string_lossy().into_owned();
    let pool = Pool::new(1).unwrap();
    // Short calls: the worker is then sent several calls at once.
    for i in 0..8 {
        assert_eq!(pool.apply(square, (i,)).await.unwrap(), i * i);
    }
    // Calls before the dying one (answered, never to be run again) and
    // after it (never started: for the successor), in one pipeline.
    let mut marks: Vec<_> = (0..5)
        .map(|i| pool.apply_async(mark_once, (d.clone(), i)).unwrap())
        .collect();
    let dies = pool.apply_async(abort_later, ()).unwrap();
    marks.extend((5..10).map(|i| pool.apply_async(mark_once, (d.clone(), i)).unwrap()));
    let err = dies.await.unwrap_err();
    assert!(
        matches!(&err, FutureError::WorkerDied(w) if w.contains("SIGABRT")),
        "{err:?}"
    );
    for (i, m) in marks.into_iter().enumerate() {
        assert_eq!(m.await.unwrap(), i as u32);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[myrt::test]
async fn a_worker_killed_while_idle_is_replaced_without_failing_a_job() {
    let pool = Pool::new(1).unwrap();
    let pid = pool.apply(my_pid, (0,)).await.unwrap();
    // SAFETY: kill(2) with integers; `pid` is our live, unreaped worker.
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGKILL) }, 0);
    // Replaced in the background, before any job asks for it.
    let deadline = Instant::now() + Duration::from_secs(60);
    while pool.pids().first() == Some(&pid) || pool.pids().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the dead worker was never replaced"
        );
        myrt::time::sleep(Duration::from_millis(5)).await;
    }
    wait_gone(pid).await;
    let now = pool.apply(my_pid, (0,)).await.unwrap();
    assert_ne!(now, pid);
    assert_eq!(pool.apply(square, (6,)).await.unwrap(), 36);
}
