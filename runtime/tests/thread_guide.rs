//! The `Threads` snippet of docs/guide.md, kept compiling and passing.

use myrt::sync::Event;
use myrt::thread::{self, JoinTimeoutError, Role, Thread, Timer};
use std::sync::Arc;
use std::time::Duration;

#[test]
fn guide_threads_snippet() {
    let go = Arc::new(Event::new());
    let g = go.clone();
    let t = Thread::builder()
        .name("downloader")
        .spawn(move || {
            g.blocking_wait();
            thread::current_thread().name().to_owned()
        })
        .unwrap();

    // join(timeout) on a thread that is still waiting: the handle comes back.
    let t = match t.join_timeout(Duration::from_millis(10)) {
        Err(JoinTimeoutError::Timeout(t)) => t,
        other => panic!("{other:?}"),
    };
    assert!(t.is_alive());
    let me = thread::enumerate()
        .into_iter()
        .find(|i| i.ident() == t.ident())
        .unwrap();
    assert_eq!((me.role(), me.name()), (Role::User, "downloader"));
    go.set();
    assert_eq!(t.join().unwrap(), "downloader");

    // A thread that raises: join returns the panic.
    let err = Thread::new(|| panic!("no network"))
        .start()
        .join()
        .unwrap_err();
    assert_eq!(err.message(), Some("no network"));

    // Timer, cancelled before it fires.
    let timer = Timer::new(Duration::from_secs(3600), || unreachable!()).start();
    assert!(timer.cancel());
    assert_eq!(timer.join().unwrap(), None);
}
