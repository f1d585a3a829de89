//! Daemon processes: they die with their parent (`PR_SET_PDEATHSIG`), and
//! `terminate` reaches what they started (their own process group).

use std::time::{Duration, Instant};

use myrt::multiprocessing::{Process, Queue};

#[myrt::process_fn]
fn sleep_forever() {
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

/// Starts a grandchild (`daemon` or not), reports its pid, sleeps.
#[myrt::process_fn]
fn middle(q: Queue<u32>, daemon: bool) {
    let rt = myrt::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let g = Process::new(sleep_forever, ())
            .daemon(daemon)
            .start()
            .unwrap();
        q.put(g.pid()).await.unwrap();
        std::mem::forget(g);
        loop {
            myrt::time::sleep(Duration::from_secs(3600)).await;
        }
    });
}

/// Whether `pid` has ended (gone, or a zombie nobody reaped yet).
fn ended(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat[stat.rfind(')').unwrap() + 2..].starts_with('Z'),
    }
}

async fn wait_ended(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ended(pid) {
        assert!(
            Instant::now() < deadline,
            "process {pid} outlived its parent"
        );
        myrt::time::sleep(Duration::from_millis(10)).await;
    }
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_dies_with_its_parent_even_after_sigkill() {
    let q = Queue::new(0).unwrap();
    let m = Process::new(middle, (q.clone(), true)).start().unwrap();
    let grandchild = q.get().await.unwrap();
    assert!(!ended(grandchild));
    m.kill();
    assert_eq!(m.join().await, -libc::SIGKILL);
    wait_ended(grandchild).await;
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminate_of_a_daemon_reaches_its_process_group() {
    let q = Queue::new(0).unwrap();
    let m = Process::new(middle, (q.clone(), false))
        .daemon(true)
        .start()
        .unwrap();
    let grandchild = q.get().await.unwrap();
    assert!(!ended(grandchild));
    m.terminate();
    assert_eq!(m.join().await, -libc::SIGTERM);
    wait_ended(grandchild).await;
}
