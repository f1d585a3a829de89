//! The multiprocessing snippet of docs/guide.md, kept compiling and
//! passing (its `main` body as a test).

use myrt::io::StreamExt;
use myrt::multiprocessing::{Pool, Process, ProcessPoolExecutor};

#[myrt::process_fn]
fn count_primes(lo: u64, hi: u64) -> u64 {
    (lo..hi)
        .filter(|&n| n > 1 && (2..).take_while(|d| d * d <= n).all(|d| n % d != 0))
        .count() as u64
}

#[myrt::process_fn]
fn square(x: u64) -> u64 {
    x * x
}

#[myrt::test(flavor = "multi_thread")]
async fn guide_multiprocessing_snippet() -> std::io::Result<()> {
    let p = Process::new(count_primes, (0, 1000)).start()?;
    assert_eq!(p.join().await, 0);
    assert_eq!(p.future().await.unwrap(), 168);

    let pool = Pool::new(2)?;
    assert_eq!(pool.map(square, 0..4u64, 0)?.await.unwrap(), [0, 1, 4, 9]);
    let mut results = pool.imap_unordered(square, 0..100u64, 10)?;
    let mut sum = 0;
    while let Some(r) = results.next().await {
        sum += r.unwrap();
    }
    assert_eq!(sum, 328_350);

    let ex = ProcessPoolExecutor::new(2)?;
    let fut = ex.submit(count_primes, (0, 100)).unwrap();
    assert_eq!(fut.await.unwrap(), 25);
    ex.shutdown_async(false).await;
    Ok(())
}
