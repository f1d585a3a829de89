//! Benchmark support crate (the benches live in `benches/`).

pub mod rlock_cases;
pub mod rt_cases;
pub mod sync_cases;

/// With the `mimalloc` feature every bench binary allocates with mimalloc
/// (each bench links this crate); without it, with the system's malloc.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The allocator this build uses, for the reports.
pub const ALLOCATOR: &str = if cfg!(feature = "mimalloc") {
    "mimalloc"
} else {
    "system malloc"
};

/// A tokio multi-thread runtime with `workers` workers and every driver on,
/// as every bench builds it.
pub fn tokio_rt(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Runs `case` as a task on `rt` and waits for it (so that no scenario
/// runs on a `block_on` thread, which would park instead of spinning).
pub fn run_task<F>(rt: &tokio::runtime::Runtime, case: F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    rt.block_on(rt.spawn(case)).expect("scenario panicked");
}

/// The arguments of the HTTP server twins (`hyper_server_myrt`,
/// `hyper_server_tokio`): the listen address (first argument, or
/// `default`) and the worker count (second, or one per CPU).
pub fn server_args(default: &str) -> (String, usize) {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| default.to_owned());
    let workers = args
        .next()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    (addr, workers)
}
