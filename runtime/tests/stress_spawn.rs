//! Stress: many tasks spawned and completed with steady memory.
//! Scaled down by default; `MYRT_STRESS=1` runs the full size
//! (1,000,000 tasks).

use myrt::runtime::Builder;

fn full() -> bool {
    std::env::var_os("MYRT_STRESS").is_some_and(|v| v == "1")
}

fn rss_kib() -> usize {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap();
    s.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<usize>()
        .unwrap()
        * 4
}

#[test]
fn a_million_tasks_with_steady_memory() {
    let total: usize = if full() { 1_000_000 } else { 100_000 };
    let batch = 10_000;
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let mut rss_after_first = 0;
    let mut done = 0usize;
    for round in 0..total / batch {
        let sum = rt.block_on(async move {
            let hs: Vec<_> = (0..batch).map(|i| myrt::spawn(async move { i })).collect();
            let mut s = 0usize;
            for h in hs {
                s += h.await.unwrap();
            }
            s
        });
        assert_eq!(sum, batch * (batch - 1) / 2);
        done += batch;
        if round == 0 {
            rss_after_first = rss_kib();
        }
    }
    assert_eq!(done, total);
    assert_eq!(
        rt.handle().metrics().live_tasks,
        0,
        "every task left the registry"
    );
    let grown = rss_kib().saturating_sub(rss_after_first);
    // Steady: finished tasks are freed, so memory does not grow with the
    // number of tasks (allow allocator slack, far below 100 bytes × total).
    assert!(grown < 32 * 1024, "RSS grew {grown} KiB over {total} tasks");
}
