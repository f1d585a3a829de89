//! Spawn-and-await 100 `true` children concurrently, myrt::process vs
//! tokio::process, on a 2-worker multi-thread runtime each.
#![allow(missing_docs)] // criterion's macros generate undocumented public items

use criterion::{criterion_group, criterion_main, Criterion};
// Links the support crate, and with it the `mimalloc` feature's global
// allocator.
use myrt_benches as _;

const CHILDREN: usize = 100;

fn bench_spawn_wait(c: &mut Criterion) {
    let mut g = c.benchmark_group("process_spawn_wait_100");
    g.sample_size(20);

    let rt = myrt::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    g.bench_function("myrt", |b| {
        b.iter(|| {
            rt.block_on(async {
                let hs: Vec<_> = (0..CHILDREN)
                    .map(|_| {
                        myrt::spawn(async {
                            let mut c = myrt::process::Command::new("true").spawn().unwrap();
                            assert!(c.wait().await.unwrap().success());
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            })
        })
    });
    drop(rt);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(async {
                let hs: Vec<_> = (0..CHILDREN)
                    .map(|_| {
                        tokio::spawn(async {
                            let mut c = tokio::process::Command::new("true").spawn().unwrap();
                            assert!(c.wait().await.unwrap().success());
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            })
        })
    });
    g.finish();
}

criterion_group!(benches, bench_spawn_wait);
criterion_main!(benches);
