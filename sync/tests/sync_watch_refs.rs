//! Two `watch::Ref`s of one channel held at once on one thread (the value
//! is behind a read lock, so they share it).

use myrt_sync::watch;

#[test]
fn two_borrows_on_one_thread_do_not_deadlock() {
    let (tx, rx) = watch::channel(String::from("v1"));
    let rx2 = rx.clone();
    let a = tx.borrow();
    let b = rx.borrow();
    let c = rx2.borrow();
    assert_eq!((a.as_str(), b.as_str(), c.as_str()), ("v1", "v1", "v1"));
    drop((a, b, c));
    tx.send("v2".to_string()).unwrap();
    assert_eq!(*rx.borrow(), "v2");
}

#[test]
fn a_send_waits_for_readers_on_other_threads() {
    let (tx, rx) = watch::channel(0u32);
    let r = rx.borrow();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let sender = std::thread::spawn(move || {
        started_tx.send(()).unwrap();
        tx.send(1).unwrap();
        tx
    });
    started_rx.recv().unwrap();
    // Whether or not the send has reached the lock yet, the value this
    // Ref shows cannot change under it.
    assert_eq!(*r, 0);
    drop(r);
    let _tx = sender.join().unwrap();
    assert_eq!(*rx.borrow(), 1);
}
