//! Auto-trait guarantees: every primitive and future is `Send`/`Sync` where
//! its contents allow, so it can be shared through an `Arc` and awaited in
//! spawned tasks.

use myrt_sync::*;
use std::cell::Cell;
use std::rc::Rc;

fn send<T: Send>() {}
fn sync<T: Sync>() {}
fn send_sync<T: Send + Sync>() {}
fn unpin<T: Unpin>() {}

fn is_send<T: Send>(_: &T) {}

#[test]
fn primitives_are_send_and_sync() {
    send_sync::<Event>();
    send_sync::<Semaphore>();
    send_sync::<Condition>();
    send_sync::<Barrier>();
    send_sync::<Lock<Vec<u8>>>();
    send_sync::<Lock<Cell<u8>>>(); // Send is enough for a lock's contents
    send_sync::<RLock>();
    send_sync::<RLock<Vec<u8>>>();
    send_sync::<Queue<String>>();
    send_sync::<LifoQueue<String>>();
    send_sync::<PriorityQueue<String>>();
}

#[test]
fn futures_and_guards_are_send() {
    send_sync::<EventWait<'static>>();
    send_sync::<semaphore::Acquire<'static>>();
    send_sync::<semaphore::AcquireOwned>();
    send_sync::<SemaphorePermit<'static>>();
    send_sync::<OwnedSemaphorePermit>();
    send_sync::<LockFuture<'static, u8>>();
    send_sync::<OwnedLockFuture<u8>>();
    send_sync::<LockGuard<'static, u8>>();
    send_sync::<OwnedLockGuard<u8>>();
    send_sync::<BarrierWait<'static>>();
    send::<ConditionWait<'static, LockGuard<'static, u8>>>();
    send::<ConditionWait<'static, RLockGuard<'static, u8>>>();
    send_sync::<RLockFuture<'static, u8>>();
    send_sync::<OwnedRLockFuture<u8>>();
    // RLock guards move with their task (the owner), so they are Send.
    send_sync::<RLockGuard<'static, u8>>();
    send_sync::<OwnedRLockGuard<u8>>();
    unpin::<RLockFuture<'static, u8>>();
    // A guard over a !Sync value can move, but not be shared.
    send::<LockGuard<'static, Cell<u8>>>();
    send::<OwnedLockGuard<Cell<u8>>>();
    unpin::<EventWait<'static>>();
    unpin::<LockFuture<'static, u8>>();

    let q: Queue<String> = Queue::new(1);
    is_send(&q.put(String::new()));
    is_send(&q.get());
    is_send(&q.join());
    let lock = Lock::new(1u8);
    let cond = Condition::new();
    is_send(&cond.wait_for(lock.try_lock().unwrap(), |_| true));
    let rlock = RLock::new(1u8);
    is_send(&cond.wait_for(rlock.try_lock().unwrap(), |_| true));
}

#[test]
fn errors_are_errors() {
    fn err<E: std::error::Error + Send + Sync + 'static>() {}
    err::<AcquireError>();
    err::<TryAcquireError>();
    err::<ReleaseError>();
    err::<TryLockError>();
    err::<NotOwnerError>();
    err::<BrokenBarrierError>();
    err::<ZeroPartiesError>();
    err::<PutError<String>>();
    fn plain_err<E: std::error::Error>() {}
    plain_err::<PutError<Rc<u8>>>(); // no bound on the item type
    err::<GetError>();
    err::<TaskDoneError>();
    sync::<PutError<u8>>();
}

/// `LockGuard<Cell<_>>` must not be `Sync` (it would share `&Cell`).
/// Checked with the autoref trick: the trait method is picked only when the
/// bound holds.
#[test]
fn guard_over_cell_is_not_sync() {
    struct Probe<T>(std::marker::PhantomData<T>);
    trait NotSync {
        fn is_sync(&self) -> bool {
            false
        }
    }
    impl<T> NotSync for Probe<T> {}
    impl<T: Sync> Probe<T> {
        fn is_sync(&self) -> bool {
            true
        }
    }
    assert!(!Probe::<LockGuard<'static, Cell<u8>>>(Default::default()).is_sync());
    assert!(!Probe::<OwnedLockGuard<Cell<u8>>>(Default::default()).is_sync());
    assert!(Probe::<LockGuard<'static, u8>>(Default::default()).is_sync());
    // An RLock shares its value among an owner's guards, which may be on
    // different threads: a !Sync value makes it !Sync.
    assert!(!Probe::<RLock<Cell<u8>>>(Default::default()).is_sync());
    assert!(!Probe::<RLockGuard<'static, Cell<u8>>>(Default::default()).is_sync());
    assert!(Probe::<RLock<u8>>(Default::default()).is_sync());
}
