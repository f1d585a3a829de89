//! 200 processes and a pool started and ended: no zombie, no leaked fd.
//! Alone in its binary, so nothing else opens fds meanwhile.

#[allow(dead_code)] // Only the fd counter is used here.
mod fd_util;

use fd_util::fd_count;
use myrt::multiprocessing::{Pool, Process};

#[myrt::process_fn]
fn double(x: u32) -> u32 {
    2 * x
}

/// Whether `pid` is not a child of ours any more (not even a zombie).
fn reaped(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => {
            let rest = &stat[stat.rfind(')').unwrap() + 2..];
            let ppid: u32 = rest.split_whitespace().nth(1).unwrap().parse().unwrap();
            ppid != std::process::id()
        }
    }
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_processes_leave_no_zombie_and_no_fd() {
    // Warm up what is created once (the SIGCHLD fallback, the spawner).
    let p = Process::new(double, (0,)).daemon(true).start().unwrap();
    p.join().await;
    let before = fd_count();
    let mut pids = Vec::new();
    for round in 0..10u32 {
        let batch: Vec<_> = (0..20u32)
            .map(|i| {
                Process::new(double, (round * 20 + i,))
                    .daemon(i % 2 == 0)
                    .start()
                    .unwrap()
            })
            .collect();
        for (i, p) in batch.into_iter().enumerate() {
            assert_eq!(p.join().await, 0);
            assert_eq!(p.future().await.unwrap(), 2 * (round * 20 + i as u32));
            pids.push(p.pid());
        }
    }
    assert_eq!(pids.len(), 200);
    for &pid in &pids {
        assert!(reaped(pid), "process {pid} is still our child");
    }
    assert_eq!(fd_count(), before, "fds leaked");

    let pool = Pool::new(2).unwrap();
    let v = pool.map(double, 0..100u32, 10).unwrap().await.unwrap();
    assert_eq!(v[99], 198);
    let workers = pool.pids();
    pool.close();
    pool.join().await;
    drop(pool);
    for pid in workers {
        assert!(reaped(pid), "worker {pid} is still our child");
    }
    assert_eq!(fd_count(), before, "fds leaked by the pool");
}
