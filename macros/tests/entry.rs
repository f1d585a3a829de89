//! The macros on the real runtime: each option builds the runtime it names.

use myrt::runtime::Handle;

fn workers() -> usize {
    Handle::current().metrics().workers
}

#[myrt::test]
async fn test_defaults_to_current_thread() {
    assert_eq!(workers(), 1);
    let me = std::thread::current().id();
    let there = myrt::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    assert_eq!(there, me, "a current-thread task runs on the test's thread");
}

#[myrt::test(flavor = "multi_thread", worker_threads = 3)]
async fn test_with_multi_thread_and_workers() {
    assert_eq!(workers(), 3);
}

#[myrt::test(flavor = "current_thread")]
#[should_panic(expected = "boom")]
async fn test_keeps_should_panic() {
    myrt::task::yield_now().await;
    panic!("boom");
}

#[myrt::test]
async fn test_may_return_a_result() -> Result<(), std::num::ParseIntError> {
    let n: u8 = "7".parse()?;
    assert_eq!(n, 7);
    Ok(())
}

mod renamed {
    use myrt as rt;

    #[rt::test(crate = "rt")]
    async fn crate_option_renames_the_runtime() {
        assert_eq!(super::workers(), 1);
    }
}

// `#[myrt::main]` works on any fn name; these become plain sync fns.
#[myrt::main]
async fn default_main() -> usize {
    workers()
}

#[myrt::main(worker_threads = 2)]
async fn two_worker_main() -> usize {
    myrt::spawn(async { workers() }).await.unwrap()
}

#[myrt::main(flavor = "current_thread")]
async fn current_thread_main() -> Result<usize, Box<dyn std::error::Error>> {
    let n: usize = "1".parse()?;
    Ok(workers() * n)
}

#[test]
fn main_builds_the_runtime_it_names() {
    assert!(default_main() >= 1);
    assert_eq!(two_worker_main(), 2);
    assert_eq!(current_thread_main().unwrap(), 1);
}
