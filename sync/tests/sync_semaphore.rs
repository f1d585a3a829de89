//! Semaphore: ports in spirit of CPython's test_locks.py SemaphoreTests.

mod common;

use common::{block_on, join, n, Task};
use myrt_sync::{AcquireError, Semaphore, TryAcquireError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[test]
fn acquire_and_release_counts() {
    let sem = Semaphore::new(2);
    let a = block_on(sem.acquire()).unwrap();
    let b = block_on(sem.acquire_many(1)).unwrap();
    assert_eq!(sem.available_permits(), 0);
    assert_eq!(a.num_permits() + b.num_permits(), 2);
    drop(a);
    assert_eq!(sem.available_permits(), 1);
    drop(b);
    assert_eq!(sem.available_permits(), 2);
    let empty = Semaphore::new(0);
    let zero = block_on(empty.acquire_many(0)).unwrap();
    assert_eq!(zero.num_permits(), 0);
}

#[test]
fn waiters_served_fifo() {
    let sem = Semaphore::new(0);
    let order = std::sync::Mutex::new(Vec::new());
    let mut tasks: Vec<_> = (0..4)
        .map(|i| {
            let (sem, order) = (&sem, &order);
            Task::new(async move {
                sem.acquire().await.unwrap().forget();
                order.lock().unwrap().push(i);
            })
        })
        .collect();
    for t in &mut tasks {
        t.pending();
    }
    for i in 0..4 {
        sem.release(1).unwrap();
        // Only the next in line is woken.
        for (j, t) in tasks.iter_mut().enumerate() {
            assert_eq!(t.woken(), j == i, "release {i}, task {j}");
        }
        tasks[i].ready();
    }
    assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3]);
}

#[test]
fn large_request_is_not_starved() {
    let sem = Semaphore::new(3);
    let held = sem.try_acquire_many(3).unwrap();
    let mut big = Task::new(sem.acquire_many(3));
    let mut small = Task::new(sem.acquire());
    big.pending();
    small.pending();
    drop(held);
    assert!(big.woken());
    assert!(!small.woken(), "small must wait behind the big request");
    let p = big.ready().unwrap();
    assert_eq!(p.num_permits(), 3);
    drop(p);
    assert!(small.woken());
    drop(small.ready().unwrap());
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn partial_grants_accumulate_at_the_front() {
    let sem = Semaphore::new(1);
    let mut big = Task::new(sem.acquire_many(3));
    big.pending(); // took the free permit, waits for 2 more
    assert_eq!(sem.available_permits(), 0);
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    sem.release(1).unwrap();
    assert!(!big.woken());
    sem.release(2).unwrap();
    assert!(big.woken());
    assert_eq!(big.ready().unwrap().num_permits(), 3);
    assert_eq!(sem.available_permits(), 4);
}

#[test]
fn cancel_while_waiting_returns_partial_permits() {
    let sem = Semaphore::new(2);
    let mut big = Task::new(sem.acquire_many(5));
    let mut small = Task::new(sem.acquire_many(2));
    big.pending();
    small.pending();
    assert_eq!(sem.available_permits(), 0);
    drop(big); // its 2 partial permits go to `small`
    assert!(small.woken());
    assert_eq!(small.ready().unwrap().num_permits(), 2);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn cancel_after_woken_passes_the_permit_on() {
    let sem = Semaphore::new(1);
    let p = sem.try_acquire().unwrap();
    let mut a = Task::new(sem.acquire());
    let mut b = Task::new(sem.acquire());
    a.pending();
    b.pending();
    drop(p);
    assert!(a.woken());
    drop(a);
    assert!(b.woken());
    drop(b.ready().unwrap());
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn try_acquire_does_not_barge() {
    let sem = Semaphore::new(1);
    let p = sem.try_acquire().unwrap();
    let mut a = Task::new(sem.acquire());
    a.pending();
    drop(p);
    assert!(sem.try_acquire().is_err(), "handed to the waiter");
    drop(a.ready().unwrap());
    assert!(sem.try_acquire().is_ok());
}

#[test]
fn close_fails_waiters_and_later_acquires() {
    let sem = Semaphore::new(1);
    let p = sem.try_acquire().unwrap();
    let mut a = Task::new(sem.acquire_many(2));
    a.pending();
    sem.close();
    assert!(a.woken());
    assert_eq!(a.ready().unwrap_err(), AcquireError::Closed);
    assert_eq!(block_on(sem.acquire()).unwrap_err(), AcquireError::Closed);
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
    drop(p);
    assert_eq!(sem.available_permits(), 1, "held permits still return");
}

#[test]
fn bounded_semaphore_refuses_overrelease() {
    let sem = Semaphore::bounded(2);
    assert_eq!(sem.bound(), Some(2));
    assert!(sem.release(1).is_err(), "Python: ValueError");
    assert_eq!(
        block_on(sem.acquire_many(3)).unwrap_err(),
        AcquireError::ExceedsBound
    );
    block_on(sem.acquire()).unwrap().forget();
    sem.release(1).unwrap();
    assert!(sem.release(1).is_err());
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn owned_permits_across_threads() {
    let sem = Arc::new(Semaphore::new(1));
    let p = block_on(sem.clone().acquire_owned()).unwrap();
    assert!(sem.clone().try_acquire_owned().is_err());
    let t = std::thread::spawn(move || drop(p));
    join(t);
    let p = block_on(sem.clone().acquire_many_owned(1)).unwrap();
    assert!(Arc::ptr_eq(p.semaphore(), &sem));
}

#[test]
fn tasks_and_threads_respect_the_limit() {
    let sem = Arc::new(Semaphore::new(2));
    let inside = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    let per = n(300, 10);
    let hs: Vec<_> = (0..4)
        .map(|i| {
            let (sem, inside, max) = (sem.clone(), inside.clone(), max.clone());
            std::thread::spawn(move || {
                for _ in 0..per {
                    let p = if i % 2 == 0 {
                        block_on(sem.acquire()).unwrap()
                    } else {
                        sem.blocking_acquire().unwrap()
                    };
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    max.fetch_max(now, Ordering::SeqCst);
                    std::thread::yield_now();
                    inside.fetch_sub(1, Ordering::SeqCst);
                    drop(p);
                }
            })
        })
        .collect();
    for h in hs {
        join(h);
    }
    assert!(max.load(Ordering::SeqCst) <= 2);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn blocking_acquire_timeout_gives_up_and_hands_partial_permits_on() {
    use std::time::Duration;
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    assert_eq!(
        sem.blocking_acquire_timeout(Duration::from_millis(5))
            .unwrap_err(),
        AcquireError::Timeout
    );
    drop(held);
    // Two of three permits arrive, the third never: the two go back.
    let sem = Arc::new(Semaphore::new(2));
    let mut behind = Task::new(sem.acquire_many(2));
    let r = sem.blocking_acquire_many_timeout(3, Duration::from_millis(5));
    assert_eq!(r.unwrap_err(), AcquireError::Timeout);
    let two = behind.ready().unwrap();
    assert_eq!(two.num_permits(), 2);
    assert_eq!(
        sem.blocking_acquire_timeout(Duration::ZERO).unwrap_err(),
        AcquireError::Timeout
    );
    drop(two);
    // A timeout past TIMEOUT_MAX waits forever, never overflows.
    let one = sem.blocking_acquire_timeout(Duration::MAX).unwrap();
    assert_eq!(one.num_permits(), 1);
    assert_eq!(sem.available_permits(), 1);
}
