//! The benchmarks whose criterion figures swing with the host, as
//! interleaved pairs: myrt's and tokio's version of each run back to back,
//! alternating which goes first, many times over on fresh runtimes, and the
//! ratio is taken per round. The sync scenarios of `benches/sync.rs` (both
//! sides on one tokio runtime, only the primitive differs) and every
//! scheduler scenario of `benches/rt.rs` (spawn_many from a task and from
//! outside, yield_many, chained_spawn, ping_pong), plus spawn_n at 1k,
//! 100k and 1M tasks, each side on its own runtime. `--features mimalloc`
//! runs it all on mimalloc.
//!
//! Criterion measures one side for seconds and then the other, so a slow
//! period of the shared host (this VM has some that halve cross-core speed
//! for seconds) can land on one side only. Pairs see the same periods.
//!
//! ```text
//! cargo run --release -p myrt-benches --example paired [-- ROUNDS [NAME-FILTER[,NAME-FILTER...]]]
//! ```
//!
//! Prints a Markdown table: per-run medians and the median (and range) of
//! the per-round myrt/tokio time ratios. Where it makes sense, a floor (the
//! same tasks without the primitive) is timed too, and the last column
//! compares the time each side spends above it: the primitive plus the
//! wake-ups it causes. About two minutes with 15 rounds.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use myrt_benches::rt_cases::{on_myrt, on_tokio};
use myrt_benches::sync_cases as cases;
use myrt_benches::{run_task, tokio_rt};

type Case = fn() -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs one case once and returns its wall time in seconds.
type Timer = Box<dyn FnMut() -> f64>;

/// The runners of one round, on runtimes built for that round.
struct Round {
    myrt: Timer,
    tokio: Timer,
    floor: Option<Timer>,
}

/// One scenario: its name, how to set up a round, and how many pairs one
/// round times.
struct Pair {
    name: &'static str,
    round: Box<dyn Fn() -> Round>,
    pairs_per_round: usize,
}

/// A sync scenario: both sides as tasks on one tokio runtime.
fn on_tokio_rt(name: &'static str, myrt: Case, tokio: Case, floor: Option<Case>, n: usize) -> Pair {
    Pair {
        name,
        round: Box::new(move || {
            let rt = std::rc::Rc::new(tokio_rt(2));
            let timer = |case: Case| -> Timer {
                let rt = rt.clone();
                Box::new(move || time(&rt, case))
            };
            Round {
                myrt: timer(myrt),
                tokio: timer(tokio),
                floor: floor.map(timer),
            }
        }),
        pairs_per_round: n,
    }
}

/// A scheduler scenario: `myrt` and `tokio` each drive their own runtime
/// with `workers` workers, built fresh for each round.
fn sched(
    name: &'static str,
    workers: usize,
    myrt: fn(&myrt::runtime::Runtime),
    tokio: fn(&tokio::runtime::Runtime),
    pairs_per_round: usize,
) -> Pair {
    Pair {
        name,
        round: Box::new(move || {
            let m = myrt::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .build()
                .expect("myrt runtime");
            let t = tokio_rt(workers);
            Round {
                myrt: Box::new(move || {
                    let start = Instant::now();
                    myrt(&m);
                    start.elapsed().as_secs_f64()
                }),
                tokio: Box::new(move || {
                    let start = Instant::now();
                    tokio(&t);
                    start.elapsed().as_secs_f64()
                }),
                floor: None,
            }
        }),
        pairs_per_round,
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time(rt: &tokio::runtime::Runtime, case: Case) -> f64 {
    let start = Instant::now();
    run_task(rt, case());
    start.elapsed().as_secs_f64()
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("ROUNDS must be a number"))
        .unwrap_or(15);
    assert!(rounds > 0, "ROUNDS must be at least 1");
    // An optional second argument keeps only the scenarios whose name
    // contains it, or one of its comma-separated parts (for a quick look
    // at some pairs).
    let only = std::env::args().nth(2).unwrap_or_default();
    let wanted = |name: &str| only.split(',').any(|part| name.contains(part));
    let pairs = [
        on_tokio_rt(
            "sync/lock_8x1000",
            || Box::pin(cases::myrt_lock()),
            || Box::pin(cases::tokio_mutex()),
            None,
            40,
        ),
        on_tokio_rt(
            "sync/semaphore_64_on_4",
            || Box::pin(cases::myrt_semaphore()),
            || Box::pin(cases::tokio_semaphore()),
            Some(|| Box::pin(cases::floor_semaphore())),
            20,
        ),
        on_tokio_rt(
            "sync/queue 4→1 (tokio mpsc)",
            || Box::pin(cases::myrt_queue(1)),
            || Box::pin(cases::tokio_mpsc()),
            None,
            6,
        ),
        on_tokio_rt(
            "sync/queue 4→4 (tokio mpsc 4→1)",
            || Box::pin(cases::myrt_queue(4)),
            || Box::pin(cases::tokio_mpsc()),
            None,
            6,
        ),
        on_tokio_rt(
            "sync/event_fanout_100",
            || Box::pin(cases::myrt_event_fanout()),
            || Box::pin(cases::tokio_notify_fanout()),
            Some(|| Box::pin(cases::floor_fanout())),
            200,
        ),
        on_tokio_rt(
            "sync/mpsc 4→1 cap128",
            || Box::pin(cases::myrt_mpsc()),
            || Box::pin(cases::tokio_mpsc()),
            None,
            6,
        ),
        on_tokio_rt(
            "sync/oneshot_ping_pong_1000",
            || Box::pin(cases::myrt_oneshot_ping_pong()),
            || Box::pin(cases::tokio_oneshot_ping_pong()),
            None,
            20,
        ),
        on_tokio_rt(
            "sync/broadcast 1→4 10k",
            || Box::pin(cases::myrt_broadcast_1to4()),
            || Box::pin(cases::tokio_broadcast_1to4()),
            None,
            6,
        ),
        on_tokio_rt(
            "sync/watch 1→4 10k",
            || Box::pin(cases::myrt_watch_1to4()),
            || Box::pin(cases::tokio_watch_1to4()),
            None,
            6,
        ),
        // From a task (a worker spawns; `spawn_many_outside` is the
        // `block_on` thread spawning).
        sched(
            "spawn_many/multi2 (in a task)",
            2,
            |rt| rt.block_on(rt.spawn(on_myrt::spawn_many())).unwrap(),
            |rt| rt.block_on(rt.spawn(on_tokio::spawn_many())).unwrap(),
            10,
        ),
        sched(
            "spawn_many_outside/multi2",
            2,
            on_myrt::spawn_outside,
            on_tokio::spawn_outside,
            10,
        ),
        sched(
            "yield_many/multi2",
            2,
            |rt| rt.block_on(on_myrt::yield_many()),
            |rt| rt.block_on(on_tokio::yield_many()),
            6,
        ),
        sched(
            "chained_spawn/multi2",
            2,
            |rt| rt.block_on(on_myrt::chained_spawn()),
            |rt| rt.block_on(on_tokio::chained_spawn()),
            20,
        ),
        sched(
            "ping_pong/multi2",
            2,
            |rt| rt.block_on(on_myrt::ping_pong()),
            |rt| rt.block_on(on_tokio::ping_pong()),
            10,
        ),
        sched(
            "ping_pong/multi4",
            4,
            |rt| rt.block_on(on_myrt::ping_pong()),
            |rt| rt.block_on(on_tokio::ping_pong()),
            10,
        ),
        // 20 sequential sleep(1 ms) on an idle runtime: (time - 20 ms) / 20
        // is the lateness of one sleep.
        sched(
            "sleep_1ms x20 (lateness)",
            2,
            |rt| rt.block_on(on_myrt::sleep_1ms()),
            |rt| rt.block_on(on_tokio::sleep_1ms()),
            4,
        ),
        // Task cost against the number of live tasks (divide by n for ns
        // per task; spawned from a task): flat means no cost grows with the
        // task count.
        sched(
            "spawn_n/1k",
            2,
            |rt| rt.block_on(rt.spawn(on_myrt::spawn_n(1_000))).unwrap(),
            |rt| rt.block_on(rt.spawn(on_tokio::spawn_n(1_000))).unwrap(),
            20,
        ),
        sched(
            "spawn_n/100k",
            2,
            |rt| rt.block_on(rt.spawn(on_myrt::spawn_n(100_000))).unwrap(),
            |rt| rt.block_on(rt.spawn(on_tokio::spawn_n(100_000))).unwrap(),
            4,
        ),
        sched(
            "spawn_n/1M",
            2,
            |rt| rt.block_on(rt.spawn(on_myrt::spawn_n(1_000_000))).unwrap(),
            |rt| rt.block_on(rt.spawn(on_tokio::spawn_n(1_000_000))).unwrap(),
            2,
        ),
    ];
    println!(
        "| scenario | myrt | tokio | ratio (median of {rounds} rounds) | range | \
         floor (no primitive) | myrt/tokio time above the floor |"
    );
    println!("| --- | ---: | ---: | ---: | --- | ---: | ---: |");
    for p in pairs.iter().filter(|p| wanted(p.name)) {
        let (mut ms, mut ts, mut ratios, mut fs) = (vec![], vec![], vec![], vec![]);
        for _ in 0..rounds {
            let mut round = (p.round)();
            // `PAIRED_ONLY=myrt` (or `tokio`) times one side only, for a
            // profiler; the other side then reads as 1 s.
            match std::env::var("PAIRED_ONLY").as_deref() {
                Ok("myrt") => round.tokio = Box::new(|| 1.0),
                Ok("tokio") => round.myrt = Box::new(|| 1.0),
                _ => {}
            }
            // Warm up both (allocator, thread start).
            (round.myrt)();
            (round.tokio)();
            let (mut m, mut t, mut f) = (vec![], vec![], vec![]);
            for k in 0..p.pairs_per_round {
                if k % 2 == 0 {
                    m.push((round.myrt)());
                    t.push((round.tokio)());
                } else {
                    t.push((round.tokio)());
                    m.push((round.myrt)());
                }
                if let Some(floor) = round.floor.as_mut() {
                    f.push(floor());
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
