//! Every bounded wait a thread can make: on a primitive that cannot
//! complete, it reports the timeout no earlier than asked (and, with a
//! generous margin, does not hang); `Duration::MAX` means forever, never
//! overflow.

use myrt_sync::{
    AcquireError, Barrier, Condition, Event, GetError, LifoQueue, Lock, PriorityQueue, PutError,
    Queue, RLock, Semaphore,
};
use std::time::{Duration, Instant};

const T: Duration = Duration::from_millis(30);
/// Far beyond any scheduling delay: only a hang gets there.
const HANG: Duration = Duration::from_secs(20);

fn timed<R>(f: impl FnOnce() -> R) -> R {
    let start = Instant::now();
    let r = f();
    let took = start.elapsed();
    assert!(took >= T, "returned early: {took:?} < {T:?}");
    assert!(took < HANG, "took {took:?}");
    r
}

#[test]
fn lock_and_rlock() {
    let lock = Lock::new(());
    let _held = lock.try_lock().unwrap();
    assert!(timed(|| lock.blocking_lock_timeout(T)).is_none());
    let rlock = RLock::new(());
    std::thread::scope(|s| {
        let held = rlock.blocking_lock(); // owned by this thread
        s.spawn(|| assert!(timed(|| rlock.blocking_lock_timeout(T)).is_none()))
            .join()
            .unwrap();
        drop(held);
    });
    assert!(rlock.blocking_lock_timeout(Duration::MAX).is_some());
}

#[test]
fn semaphore_one_and_many() {
    let sem = Semaphore::new(1);
    let _one = sem.try_acquire().unwrap();
    assert_eq!(
        timed(|| sem.blocking_acquire_timeout(T)).unwrap_err(),
        AcquireError::Timeout
    );
    let sem = Semaphore::new(1);
    assert_eq!(
        timed(|| sem.blocking_acquire_many_timeout(2, T)).unwrap_err(),
        AcquireError::Timeout
    );
    assert_eq!(sem.available_permits(), 1, "the partial permit came back");
    assert!(sem.blocking_acquire_timeout(Duration::MAX).is_ok());
}

#[test]
fn condition_wait_and_wait_for() {
    let lock = Lock::new(0);
    let cond = Condition::new();
    let (g, notified) = timed(|| cond.blocking_wait_timeout(lock.blocking_lock(), T));
    assert!(!notified);
    let (g, ok) = timed(|| cond.blocking_wait_for_timeout(g, |v| *v == 1, T));
    assert!(!ok);
    drop(g);
    assert!(
        !lock.is_locked(),
        "the guard held on return was the only one"
    );
}

#[test]
fn barrier_event_and_queues() {
    let b = Barrier::new(2);
    assert!(timed(|| b.blocking_wait_timeout(T)).is_err());
    assert!(b.is_broken(), "a timeout breaks the barrier");
    let e = Event::new();
    assert!(!timed(|| e.blocking_wait_timeout(T)));
    e.set();
    assert!(e.blocking_wait_timeout(Duration::MAX));

    let q: Queue<u8> = Queue::new(1);
    assert_eq!(timed(|| q.blocking_get_timeout(T)), Err(GetError::Empty));
    q.put_nowait(1).unwrap();
    assert!(matches!(
        timed(|| q.blocking_put_timeout(2, T)),
        Err(PutError::Full(2))
    ));
    let l: LifoQueue<u8> = LifoQueue::new(1);
    assert_eq!(timed(|| l.blocking_get_timeout(T)), Err(GetError::Empty));
    let p: PriorityQueue<u8> = PriorityQueue::new(1);
    assert_eq!(timed(|| p.blocking_get_timeout(T)), Err(GetError::Empty));
    p.put_nowait(3).unwrap();
    assert_eq!(p.blocking_get_timeout(Duration::MAX), Ok(3));
}
