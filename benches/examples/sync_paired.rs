//! The sync scenarios of `benches/sync.rs` as interleaved pairs: myrt's and
//! tokio's version of each run back to back, alternating which goes first,
//! many times over on fresh runtimes, and the ratio is taken per round.
//!
//! Criterion measures one side for seconds and then the other, so a slow
//! period of the shared host (this VM has some that halve cross-core speed
//! for seconds) can land on one side only. Pairs see the same periods.
//!
//! ```text
//! cargo run --release -p myrt-benches --example sync_paired [-- ROUNDS]
//! ```
//!
//! Prints a Markdown table: per-run medians and the median (and range) of
//! the per-round myrt/tokio time ratios. Where it makes sense, a floor (the
//! same tasks without the primitive) is timed too, and the last column
//! compares the time each side spends above it: the primitive plus the
//! wake-ups it causes. About a minute with 15 rounds.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use myrt_benches::sync_cases as cases;

type Case = fn() -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// One scenario: its name, the myrt and tokio versions, the same tasks
/// without the primitive (if there is such a floor), and how many pairs
/// one round times.
struct Pair {
    name: &'static str,
    myrt: Case,
    tokio: Case,
    floor: Option<Case>,
    pairs_per_round: usize,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time(rt: &tokio::runtime::Runtime, case: Case) -> f64 {
    let start = Instant::now();
    rt.block_on(rt.spawn(case())).expect("scenario panicked");
    start.elapsed().as_secs_f64()
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("ROUNDS must be a number"))
        .unwrap_or(15);
    assert!(rounds > 0, "ROUNDS must be at least 1");
    let pairs = [
        Pair {
            name: "sync/lock_8x1000",
            myrt: || Box::pin(cases::myrt_lock()),
            tokio: || Box::pin(cases::tokio_mutex()),
            floor: None,
            pairs_per_round: 40,
        },
        Pair {
            name: "sync/semaphore_64_on_4",
            myrt: || Box::pin(cases::myrt_semaphore()),
            tokio: || Box::pin(cases::tokio_semaphore()),
            floor: Some(|| Box::pin(cases::floor_semaphore())),
            pairs_per_round: 20,
        },
        Pair {
            name: "sync/queue 4→1 (tokio mpsc)",
            myrt: || Box::pin(cases::myrt_queue(1)),
            tokio: || Box::pin(cases::tokio_mpsc()),
            floor: None,
            pairs_per_round: 6,
        },
        Pair {
            name: "sync/queue 4→4 (tokio mpsc 4→1)",
            myrt: || Box::pin(cases::myrt_queue(4)),
            tokio: || Box::pin(cases::tokio_mpsc()),
            floor: None,
            pairs_per_round: 6,
        },
        Pair {
            name: "sync/event_fanout_100",
            myrt: || Box::pin(cases::myrt_event_fanout()),
            tokio: || Box::pin(cases::tokio_notify_fanout()),
            floor: Some(|| Box::pin(cases::floor_fanout())),
            pairs_per_round: 200,
        },
    ];
    println!(
        "| scenario | myrt | tokio | ratio (median of {rounds} rounds) | range | \
         floor (no primitive) | myrt/tokio time above the floor |"
    );
    println!("| --- | ---: | ---: | ---: | --- | ---: | ---: |");
    for p in &pairs {
        let (mut ms, mut ts, mut ratios, mut fs) = (vec![], vec![], vec![], vec![]);
        for _ in 0..rounds {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            // Warm up both (allocator, thread start).
            time(&rt, p.myrt);
            time(&rt, p.tokio);
            let (mut m, mut t, mut f) = (vec![], vec![], vec![]);
            for k in 0..p.pairs_per_round {
                if k % 2 == 0 {
                    m.push(time(&rt, p.myrt));
                    t.push(time(&rt, p.tokio));
                } else {
                    t.push(time(&rt, p.tokio));
                    m.push(time(&rt, p.myrt));
                }
                if let Some(floor) = p.floor {
                    f.push(time(&rt, floor));
                }
            }
            if !f.is_empty() {
                fs.push(median(&mut f));
            }
            let (mm, tm) = (median(&mut m), median(&mut t));
            ms.push(mm);
            ts.push(tm);
            ratios.push(mm / tm);
        }
        let (m, t, r) = (median(&mut ms), median(&mut ts), median(&mut ratios));
        let (lo, hi) = (ratios[0], ratios[ratios.len() - 1]);
        let (floor, above) = if fs.is_empty() {
            ("–".to_owned(), "–".to_owned())
        } else {
            let f = median(&mut fs);
            (fmt(f), format!("{:.2}", (m - f) / (t - f)))
        };
        println!(
            "| {} | {} | {} | **{r:.2}** | {lo:.2}–{hi:.2} | {floor} | {above} |",
            p.name,
            fmt(m),
            fmt(t)
        );
    }
}

fn fmt(secs: f64) -> String {
    if secs >= 1e-3 {
        format!("{:.2} ms", secs * 1e3)
    } else {
        format!("{:.1} µs", secs * 1e6)
    }
}
