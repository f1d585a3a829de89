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
/// `$yield_now` yields.
macro_rules! workloads {
    ($m:ident, $spawn:path, $yield_now:path) => {
        /// The workloads on one runtime.
        pub mod $m {
            use super::*;

            /// Spawns [`SPAWN`] tasks and joins them.
            pub async fn spawn_many() {
                let hs: Vec<_> = (0..SPAWN).map(|i| $spawn(async move { i })).collect();
                let mut s = 0;
                for h in hs {
                    s += h.await.unwrap();
                }
                assert_eq!(s, SPAWN * (SPAWN - 1) / 2);
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
        }
    };
}

workloads!(on_myrt, myrt::spawn, myrt::task::yield_now);
workloads!(on_tokio, tokio::spawn, tokio::task::yield_now);
