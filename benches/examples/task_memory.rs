//! Memory per idle task: spawns 100,000 tasks that wait forever on each
//! runtime and reports the growth of the resident set per task.
//!
//! Run with `cargo run --release -p myrt-benches --example task_memory`
//! (add `--features mimalloc` for mimalloc).

use std::time::Duration;

/// Tasks per runtime: 100,000, or the `TASKS` environment variable.
fn tasks() -> usize {
    std::env::var("TASKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// Resident set size in bytes, from /proc/self/statm.
fn rss() -> usize {
    let s = std::fs::read_to_string("/proc/self/statm").expect("statm");
    let pages: usize = s
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("rss field");
    pages * 4096
}

/// A future of the same size on both runtimes: it holds a small buffer and
/// never completes.
async fn idle(i: usize) {
    let buf = [i as u8; 64];
    std::future::pending::<()>().await;
    std::hint::black_box(buf);
}

fn measure(name: &str, spawn_all: impl FnOnce()) {
    let before = rss();
    spawn_all();
    std::thread::sleep(Duration::from_millis(200));
    let after = rss();
    let per = (after.saturating_sub(before)) as f64 / tasks() as f64;
    println!(
        "{name}: {per:.0} bytes per idle task ({} tasks, RSS +{} KiB, {})",
        tasks(),
        (after - before) / 1024,
        myrt_benches::ALLOCATOR
    );
}

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_default();
    // One runtime per process run keeps the allocators' states apart.
    if arg != "tokio" {
        let rt = myrt::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        measure("myrt ", || {
            let hs: Vec<_> = (0..tasks()).map(|i| rt.spawn(idle(i))).collect();
            std::mem::forget(hs);
        });
    }
    if arg != "myrt" {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        measure("tokio", || {
            let hs: Vec<_> = (0..tasks()).map(|i| rt.spawn(idle(i))).collect();
            std::mem::forget(hs);
        });
    }
}
