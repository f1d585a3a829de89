//! `enumerate`, `active_count`, `main_thread`, `current_thread`: every
//! live thread with its role, listed while alive and not after. One test
//! function, so no other test's threads come and go meanwhile.

use std::sync::Arc;

use myrt::sync::Event;
use myrt::thread::{self, Role, Thread, ThreadInfo};

fn listed(ident: u64) -> Option<ThreadInfo> {
    thread::enumerate().into_iter().find(|i| i.ident() == ident)
}

#[test]
fn enumerate_lists_every_live_thread_with_its_role() {
    // Quiet process: the main thread and this test's thread only.
    let main = thread::main_thread();
    assert_eq!(main.role(), Role::Main);
    assert_eq!(main.name(), "main");
    assert!(!main.is_daemon());
    assert_eq!(main.native_id(), Some(u64::from(std::process::id())));
    let me = thread::current_thread();
    // libtest runs a lone test on its own thread, or on the main thread
    // with `--test-threads=1`.
    match me.role() {
        Role::Foreign => assert_ne!(me.ident(), main.ident()),
        Role::Main => assert_eq!(me, main),
        other => panic!("the test thread registered as {other:?}"),
    }
    let before = thread::enumerate();
    assert_eq!(before.len(), thread::active_count());
    assert!(before.contains(&main));
    assert!(before.contains(&me));

    // A user thread, blocked until released.
    let go = Arc::new(Event::new());
    let g = go.clone();
    let user = Thread::builder()
        .name("lister")
        .spawn(move || g.blocking_wait())
        .unwrap();
    let entry = listed(user.ident()).expect("a started thread is listed");
    assert_eq!(entry.role(), Role::User);
    assert_eq!(entry.name(), "lister");
    let during = thread::enumerate();
    assert_eq!(during.len(), thread::active_count());
    assert_eq!(during.len(), before.len() + 1);

    // The runtime's workers and a blocking-pool thread, seen from inside.
    let rt = myrt::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (worker, blocking, worker_count) = rt.block_on(async {
        let worker = myrt::spawn(async {
            let me = thread::current_thread();
            (me.clone(), listed(me.ident()))
        })
        .await
        .unwrap();
        let blocking = myrt::task::spawn_blocking(|| {
            let me = thread::current_thread();
            (me.clone(), listed(me.ident()))
        })
        .await
        .unwrap();
        let workers = thread::enumerate()
            .into_iter()
            .filter(|i| i.role() == Role::Worker)
            .count();
        (worker, blocking, workers)
    });
    assert_eq!(worker.0.role(), Role::Worker);
    assert_eq!(worker.1.as_ref(), Some(&worker.0));
    assert!(worker.0.is_daemon());
    assert!(worker_count >= 1, "{worker_count} workers listed");
    assert_eq!(blocking.0.role(), Role::Blocking);
    assert_eq!(blocking.1.as_ref(), Some(&blocking.0));
    // The thread that ran `block_on` is this (foreign) one.
    assert_eq!(thread::current_thread(), me);

    // Dropping the runtime joins its workers: they are gone.
    drop(rt);
    assert!(listed(worker.0.ident()).is_none());

    // The user thread leaves when it is joined.
    go.set();
    let ident = user.ident();
    user.join().unwrap();
    assert!(listed(ident).is_none());
    assert!(thread::enumerate().contains(&main), "main is always listed");
}
