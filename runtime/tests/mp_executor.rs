//! `ProcessPoolExecutor`: the concurrent.futures surface over worker
//! processes, mixed with thread-pool futures, and `BrokenProcessPool`.

use std::time::Duration;

use myrt::executor::{
    as_completed, wait, Executor, FutureError, ReturnWhen, SubmitError, ThreadPoolExecutor,
};
use myrt::io::StreamExt;
use myrt::multiprocessing::{call, ProcessPoolExecutor};

#[myrt::process_fn]
fn cube(x: i64) -> i64 {
    x * x * x
}

#[myrt::process_fn]
fn sleep_forever() {
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

#[myrt::process_fn]
fn boom() -> u8 {
    panic!("boom in a worker")
}

async fn until_running<T>(fut: &myrt::executor::Future<T>) {
    while !fut.running() && !fut.done() {
        myrt::time::sleep(Duration::from_millis(5)).await;
    }
}

#[myrt::test]
async fn submit_map_and_the_same_futures_as_a_thread_pool() {
    let ex = ProcessPoolExecutor::new(2).unwrap();
    let threads = ThreadPoolExecutor::new();
    let a = ex.submit(cube, (3,)).unwrap();
    let b = threads.submit(|| 8i64).unwrap();
    // One wait over futures of both kinds.
    let (done, pending) = wait(&[a.clone(), b.clone()], ReturnWhen::AllCompleted).await;
    assert_eq!((done.len(), pending.len()), (2, 0));
    assert_eq!(a.await.unwrap() + b.await.unwrap(), 35);

    let futs = vec![
        ex.submit(cube, (1,)).unwrap(),
        ex.submit(cube, (2,)).unwrap(),
        threads.submit(|| 100).unwrap(),
    ];
    let mut got: Vec<i64> = as_completed(futs)
        .then(|f| async move { f.await.unwrap() })
        .collect()
        .await;
    got.sort_unstable();
    assert_eq!(got, [1, 8, 100]);

    let cubes = myrt::task::spawn_blocking({
        let m = ex.map(cube, -3..=3).unwrap();
        move || m.collect::<Result<Vec<_>, _>>()
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(cubes, [-27, -8, -1, 0, 1, 8, 27]);
    threads.shutdown(true, false);
}

#[myrt::test]
async fn a_panic_is_a_panicked_future_and_the_executor_goes_on() {
    let ex = ProcessPoolExecutor::new(1).unwrap();
    let err = ex.submit(boom, ()).unwrap().await.unwrap_err();
    assert_eq!(err.panic_message(), Some("boom in a worker"));
    assert_eq!(ex.submit(cube, (2,)).unwrap().await.unwrap(), 8);
}

#[myrt::test]
async fn a_dead_worker_breaks_the_executor_as_broken_process_pool() {
    let ex = ProcessPoolExecutor::new(1).unwrap();
    let running = ex.submit(sleep_forever, ()).unwrap();
    let pending = ex.submit(cube, (2,)).unwrap();
    until_running(&running).await;
    let pid = ex.pids()[0];
    // SAFETY: kill(2) with integers; `pid` is our live, unreaped worker.
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGKILL) }, 0);
    let errors = [running.await.unwrap_err(), pending.await.unwrap_err()];
    for err in &errors {
        let FutureError::BrokenPool(why) = err else {
            panic!("{err:?}")
        };
        assert!(
            why.contains("SIGKILL") && why.contains(&pid.to_string()),
            "{why}"
        );
    }
    match ex.submit(cube, (1,)) {
        Err(SubmitError::Broken((1,), why)) => assert!(why.contains("SIGKILL"), "{why}"),
        other => panic!("{other:?}"),
    }
    ex.shutdown_async(false).await;
}

#[myrt::test]
async fn shutdown_refuses_submits_and_can_cancel_what_is_queued() {
    let ex = ProcessPoolExecutor::new(1).unwrap();
    let running = ex.submit(cube, (4,)).unwrap();
    let queued: Vec<_> = (0..20).map(|i| ex.submit(cube, (i,)).unwrap()).collect();
    ex.shutdown(false, true);
    assert!(matches!(
        ex.submit(cube, (1,)),
        Err(SubmitError::ShutDown((1,)))
    ));
    ex.shutdown_async(false).await;
    let cancelled = queued.iter().filter(|f| f.cancelled()).count();
    assert!(cancelled > 0, "nothing was cancelled");
    for f in queued {
        match f.await {
            Ok(_) => {}
            Err(e) => assert!(e.is_cancelled(), "{e:?}"),
        }
    }
    assert!(running.done());
}

#[myrt::test]
async fn unregistered_functions_are_invalid_jobs() {
    let ex = ProcessPoolExecutor::new(1).unwrap();
    match ex.submit(|x: i64| x, (1,)) {
        Err(SubmitError::Invalid((1,), why)) => assert!(why.contains("process_fn"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[myrt::process_fn]
fn my_pid() -> u32 {
    std::process::id()
}

#[myrt::test]
async fn a_worker_killed_while_idle_breaks_the_executor_without_a_job() {
    let ex = ProcessPoolExecutor::new(1).unwrap();
    let pid = ex.submit(my_pid, ()).unwrap().await.unwrap();
    // SAFETY: kill(2) with integers; `pid` is our live, unreaped worker.
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGKILL) }, 0);
    // Noticed with no job in sight: the worker is gone from the list.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !ex.pids().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the death was never noticed"
        );
        myrt::time::sleep(Duration::from_millis(5)).await;
    }
    let why = match ex.submit(cube, (1,)) {
        Err(SubmitError::Broken(_, why)) => why,
        other => panic!("{other:?}"),
    };
    assert!(
        why.contains("SIGKILL") && why.contains("while idle"),
        "{why}"
    );
}

fn not_registered(x: i64) -> i64 {
    x
}

/// Code generic over `Executor`: `call(f, args)` jobs and `map` of a
/// process function, the same on a thread pool and a process pool.
fn sum_of_cubes<E: Executor>(pool: &E) -> i64 {
    let futures: Vec<_> = (1..=4)
        .map(|x| pool.submit(call(cube, (x,))).unwrap())
        .collect();
    let submitted: i64 = futures.into_iter().map(|f| f.result().unwrap()).sum();
    let mapped: i64 = pool.map(cube, 1..=4).unwrap().map(Result::unwrap).sum();
    assert_eq!(submitted, mapped);
    submitted
}

#[myrt::test]
async fn the_executor_trait_runs_the_same_generic_code_on_both_pools() {
    let ex = ProcessPoolExecutor::new(2).unwrap();
    let threads = ThreadPoolExecutor::new();
    let (on_processes, on_threads) = myrt::task::spawn_blocking(move || {
        let r = (sum_of_cubes(&ex), sum_of_cubes(&threads));
        // The process pool really ran them elsewhere: a call through the
        // trait reports a worker's pid.
        let pid = Executor::submit(&ex, call(my_pid, ())).unwrap();
        assert_ne!(pid.result().unwrap(), std::process::id());
        let here = Executor::submit(&threads, call(my_pid, ())).unwrap();
        assert_eq!(here.result().unwrap(), std::process::id());
        Executor::shutdown(&ex, true, false);
        let late = Executor::submit(&ex, call(cube, (1,))).unwrap_err();
        assert!(late.is_shut_down(), "{late}");
        r
    })
    .await
    .unwrap();
    assert_eq!((on_processes, on_threads), (100, 100));
}

#[myrt::test]
async fn the_executor_trait_refuses_closures_and_unregistered_functions() {
    let ex = ProcessPoolExecutor::new(1).unwrap();
    let e = Executor::submit(&ex, || 5).unwrap_err();
    assert!(matches!(e, SubmitError::Invalid(..)), "{e:?}");
    assert!(e.to_string().contains("call(f, args)"), "{e}");
    // The closure is handed back intact.
    assert_eq!(e.into_inner()(), 5);

    let e = Executor::submit(&ex, call(not_registered, (1,))).unwrap_err();
    assert!(e.to_string().contains("#[myrt::process_fn]"), "{e}");
    assert_eq!(myrt::executor::Job::run(e.into_inner()), 1);

    let e = Executor::map(&ex, |x: i64| x, [1, 2]).err().unwrap();
    assert!(matches!(e, SubmitError::Invalid(..)), "{e:?}");
    let e = Executor::map(&ex, not_registered, [1, 2]).err().unwrap();
    assert!(matches!(e, SubmitError::Invalid(..)), "{e:?}");

    // Still serving: the refusals broke nothing.
    let m = Executor::map_timeout(&ex, cube, [2, 3], Duration::from_secs(600)).unwrap();
    let got = myrt::task::spawn_blocking(move || m.collect::<Result<Vec<_>, _>>())
        .await
        .unwrap();
    assert_eq!(got.unwrap(), [8, 27]);
    ex.shutdown_async(false).await;
}
