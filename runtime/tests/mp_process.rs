//! `multiprocessing::Process`: a registered function run in a re-executed
//! copy of this test binary.

use std::io::ErrorKind;
use std::time::Duration;

use myrt::executor::FutureError;
use myrt::multiprocessing::Process;
use serde::{Deserialize, Serialize};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Stats {
    count: usize,
    sum: u64,
    label: String,
}

#[myrt::process_fn]
fn square(x: u64) -> u64 {
    x * x
}

#[myrt::process_fn]
fn summarize(label: String, xs: Vec<u64>) -> Stats {
    Stats {
        count: xs.len(),
        sum: xs.iter().sum(),
        label,
    }
}

#[myrt::process_fn]
fn my_pid() -> u32 {
    std::process::id()
}

#[myrt::process_fn]
fn fail(msg: String) -> u8 {
    panic!("{msg}")
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

#[myrt::process_fn]
fn exit_with(code: i32) {
    std::process::exit(code)
}

fn not_registered(x: u64) -> u64 {
    x
}

#[myrt::test]
async fn the_function_runs_in_another_process_and_returns_its_value() {
    let p = Process::new(square, (12,)).name("squarer").start().unwrap();
    assert_ne!(p.pid(), std::process::id());
    assert_eq!(p.name(), "squarer");
    assert_eq!(p.join().await, 0);
    assert_eq!(p.exitcode(), Some(0));
    assert!(!p.is_alive());
    assert_eq!(p.future().await.unwrap(), 144);
    p.close().unwrap();

    let p = Process::new(my_pid, ()).start().unwrap();
    assert_eq!(p.future().await.unwrap(), p.pid());
    assert!(p.name().starts_with("Process-"), "{}", p.name());
}

#[myrt::test]
async fn structs_and_several_arguments_cross_both_ways() {
    let p = Process::new(summarize, ("xs".to_string(), vec![1, 2, 3, 4]))
        .start()
        .unwrap();
    let want = Stats {
        count: 4,
        sum: 10,
        label: "xs".into(),
    };
    assert_eq!(p.future().await.unwrap(), want);
}

#[myrt::test]
async fn a_panic_crosses_with_its_message_and_location() {
    let p = Process::new(fail, ("no such file: ünïcode".to_string(),))
        .start()
        .unwrap();
    let err = p.future().await.unwrap_err();
    assert_eq!(err.panic_message(), Some("no such file: ünïcode"));
    let FutureError::Panicked(payload) = &err else {
        panic!("{err:?}")
    };
    let at = payload.location().expect("location");
    assert!(at.starts_with("runtime/tests/mp_process.rs:"), "{at}");
    // Python: a target that raises exits with code 1.
    assert_eq!(p.join().await, 1);
}

#[myrt::test]
async fn closures_and_unmarked_functions_are_refused() {
    let err = Process::new(|x: u64| x + 1, (1,)).start().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("#[myrt::process_fn]"), "{err}");
    let err = Process::new(not_registered, (1,)).start().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("not_registered"), "{err}");
}

#[myrt::test]
async fn terminate_and_kill_end_a_running_process() {
    let p = Process::new(sleep_forever, ()).start().unwrap();
    assert!(p.is_alive());
    p.terminate();
    assert_eq!(p.join().await, -libc::SIGTERM);
    let err = p.future().await.unwrap_err();
    let FutureError::WorkerDied(why) = &err else {
        panic!("{err:?}")
    };
    assert!(
        why.contains(&p.pid().to_string()) && why.contains("SIGTERM"),
        "{why}"
    );

    let p = Process::new(sleep_forever, ())
        .daemon(true)
        .start()
        .unwrap();
    assert!(p.is_daemon());
    p.kill();
    assert_eq!(p.join().await, -libc::SIGKILL);
    // Signals after the end are no-ops.
    p.kill();
    p.terminate();
    assert!(p.close().is_ok());
}

#[myrt::test]
async fn a_process_that_aborts_or_exits_reports_how() {
    let p = Process::new(abort, ()).start().unwrap();
    assert_eq!(p.join().await, -libc::SIGABRT);
    let err = p.future().await.unwrap_err();
    assert!(err.to_string().contains("SIGABRT"), "{err}");

    let p = Process::new(exit_with, (3,)).start().unwrap();
    assert_eq!(p.join().await, 3);
    let err = p.future().await.unwrap_err();
    assert!(
        matches!(&err, FutureError::WorkerDied(w) if w.contains("exited with code 3")),
        "{err:?}"
    );
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_blocking_from_a_thread_times_out_then_sees_the_end() {
    let p = std::sync::Arc::new(Process::new(sleep_forever, ()).start().unwrap());
    let q = p.clone();
    let early = myrt::task::spawn_blocking(move || q.join_blocking(Duration::from_millis(50)))
        .await
        .unwrap();
    assert!(!early);
    assert!(p.is_alive());
    let close = std::sync::Arc::try_unwrap(p.clone()).err().unwrap();
    drop(close);
    p.kill();
    let q = p.clone();
    let done = myrt::task::spawn_blocking(move || q.join_blocking(Duration::MAX))
        .await
        .unwrap();
    assert!(done);
    assert_eq!(p.exitcode(), Some(-libc::SIGKILL));
}

#[myrt::test]
async fn close_while_running_gives_the_handle_back() {
    let p = Process::new(sleep_forever, ()).start().unwrap();
    let p = p.close().unwrap_err();
    p.kill();
    p.join().await;
    p.close().unwrap();
}

async fn nested_a() -> u32 {
    #[myrt::process_fn]
    fn work(x: u32) -> u32 {
        x + 1
    }
    Process::new(work, (1,))
        .start()
        .unwrap()
        .future()
        .await
        .unwrap()
}

async fn nested_b() -> u32 {
    #[myrt::process_fn]
    fn work(x: u32) -> u32 {
        x + 100
    }
    Process::new(work, (1,))
        .start()
        .unwrap()
        .future()
        .await
        .unwrap()
}

#[myrt::test]
async fn same_named_functions_in_one_module_stay_apart() {
    assert_eq!(nested_a().await, 2);
    assert_eq!(nested_b().await, 101);
}
