//! The scheduler workloads of `benches/rt.rs`, written once and compiled
//! for each runtime: `on_myrt` uses `myrt::spawn`, `on_tokio` uses
//! `tokio::spawn`. Hand-offs use `tokio::sync::oneshot`, which only needs a
//! `Waker`, so both runtimes run the same channel code. Each must run
//! inside its runtime's `block_on`; each checks its result.

use tokio::sync::oneshot;

/// Tasks spawned by `spawn_many`.
pub const SPAWN: usize = 10_000;
/// Tasks in `yield_many`.
pub const YIELD_TASKS: usize = 200;
/// Yields per task in `yield_many`.
pub const YIELDS: usize = 1_000;
/// Round trips in `ping_pong`.
pub const ROUNDS: usize = 1_000;
/// Length of the spawn chain in `chained_spawn`.
pub const CHAIN: usize = 1_000;

/// The same workload bodies for both runtimes: `$spawn` spawns a task,
/// `$yield_now` yields, `$sleep` sleeps, `$Runtime` is the runtime type.
macro_rules! workloads {
    ($m:ident, $spawn:path, $yield_now:path, $sleep:path, $Runtime:ty) => {
        /// The workloads on one runtime.
        pub mod $m {
            use super::*;

            /// Spawns [`SPAWN`] tasks and joins them.
            pub async fn spawn_many() {
                spawn_n(SPAWN).await
            }

            /// Spawns `n` tasks and joins them (the per-task cost at
            /// several sizes: it should not grow with `n`).
            pub async fn spawn_n(n: usize) {
                let hs: Vec<_> = (0..n).map(|i| $spawn(async move { i })).collect();
                let mut s = 0;
                for h in hs {
                    s += h.await.unwrap();
                }
                assert_eq!(s, n * (n - 1) / 2);
            }

            /// [`YIELD_TASKS`] tasks each yield [`YIELDS`] times.
            pub async fn yield_many() {
                let hs: Vec<_> = (0..YIELD_TASKS)
                    .map(|_| {
                        $spawn(async {
                            for _ in 0..YIELDS {
                                $yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            }

            /// [`ROUNDS`] times: spawn a task, send it a value, await the reply.
            pub async fn ping_pong() {
                for i in 0..ROUNDS {
                    let (tx1, rx1) = oneshot::channel::<usize>();
                    let (tx2, rx2) = oneshot::channel::<usize>();
                    $spawn(async move {
                        let v = rx1.await.unwrap();
                        tx2.send(v + 1).unwrap();
                    });
                    tx1.send(i).unwrap();
                    assert_eq!(rx2.await.unwrap(), i + 1);
                }
            }

            fn chain(n: usize, done: oneshot::Sender<()>) {
                if n == 0 {
                    done.send(()).unwrap();
                } else {
                    $spawn(async move { chain(n - 1, done) });
                }
            }

            /// Each task spawns the next, [`CHAIN`] deep.
            pub async fn chained_spawn() {
                let (tx, rx) = oneshot::channel();
                $spawn(async move { chain(CHAIN, tx) });
                rx.await.unwrap();
            }

            /// `spawn_many_outside`: [`SPAWN`] tasks spawned from a thread
            /// that is not a worker, then joined in `block_on`.
            pub fn spawn_outside(rt: &$Runtime) {
                let hs: Vec<_> = (0..SPAWN).map(|i| rt.spawn(async move { i })).collect();
                let s: usize = rt.block_on(async {
                    let mut s = 0;
                    for h in hs {
                        s += h.await.unwrap();
                    }
                    s
                });
                assert_eq!(s, SPAWN * (SPAWN - 1) / 2);
            }

            /// [`SLEEPS`] sequential `sleep(1 ms)` on an otherwise idle
            /// runtime: the time over `SLEEPS` ms is the summed lateness.
            pub async fn sleep_1ms() {
                for _ in 0..SLEEPS {
                    let start = std::time::Instant::now();
                    $sleep(std::time::Duration::from_millis(1)).await;
                    assert!(
                        start.elapsed() >= std::time::Duration::from_millis(1),
                        "woke early"
                    );
                }
            }
        }
    };
}

/// Sleeps in a row in `sleep_1ms`.
pub const SLEEPS: usize = 20;

workloads!(
    on_myrt,
    myrt::spawn,
    myrt::task::yield_now,
    myrt::time::sleep,
    myrt::runtime::Runtime
);
workloads!(
    on_tokio,
    tokio::spawn,
    tokio::task::yield_now,
    tokio::time::sleep,
    tokio::runtime::Runtime
);
