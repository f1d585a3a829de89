//! `myrt::thread::Thread`: names, daemon flags, idents, native ids, joins
//! (blocking, bounded, async) and `is_alive`.

use std::collections::HashSet;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use myrt::sync::{Event, TIMEOUT_MAX};
use myrt::thread::{self, JoinTimeoutError, Role, Thread};

/// The calling thread's kernel id, read independently of myrt.
fn proc_tid() -> u64 {
    let link = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
    let link = link.to_str().unwrap();
    link.rsplit('/').next().unwrap().parse().unwrap()
}

#[test]
fn builder_name_and_daemon_are_seen_inside() {
    let t = Thread::builder()
        .name("named-one")
        .daemon(true)
        .spawn(|| {
            let me = thread::current_thread();
            (
                me.name().to_owned(),
                me.is_daemon(),
                me.role(),
                std::thread::current().name().map(String::from),
            )
        })
        .unwrap();
    assert_eq!(t.name(), "named-one");
    assert!(t.is_daemon());
    let (name, daemon, role, std_name) = t.join().unwrap();
    assert_eq!(name, "named-one");
    assert!(daemon);
    assert_eq!(role, Role::User);
    assert_eq!(std_name.as_deref(), Some("named-one"));

    let t = Thread::new(thread::current_thread).start();
    let ident = t.ident();
    let info = t.join().unwrap();
    assert!(!info.is_daemon(), "non-daemon by default");
    assert_eq!(info.name(), format!("Thread-{ident}"));
}

#[test]
fn daemon_flag_is_inherited_from_a_daemon_thread() {
    let t = Thread::builder()
        .daemon(true)
        .spawn(|| {
            Thread::new(|| thread::current_thread().is_daemon())
                .start()
                .join()
        })
        .unwrap();
    assert!(t.join().unwrap().unwrap());
}

#[test]
fn idents_are_unique_and_match_inside() {
    let handles: Vec<_> = (0..8)
        .map(|_| Thread::new(thread::get_ident).start())
        .collect();
    let mut seen = HashSet::new();
    seen.insert(thread::get_ident());
    for h in handles {
        let outer = h.ident();
        let inner = h.join().unwrap();
        assert_eq!(outer, inner);
        assert!(seen.insert(inner), "ident {inner} reused");
    }
    assert!(!seen.contains(&0));
}

#[test]
fn native_id_is_the_kernel_thread_id() {
    let t = Thread::new(|| (thread::get_native_id(), proc_tid())).start();
    let outer = t.native_id();
    let (inner, tid) = t.join().unwrap();
    assert_eq!(inner, Some(tid));
    assert_eq!(outer, Some(tid));
    assert_eq!(thread::get_native_id(), Some(proc_tid()));
    assert_eq!(thread::current_thread().native_id(), Some(proc_tid()));
}

#[test]
fn join_returns_the_value() {
    let t = Thread::new(|| vec![1, 2, 3]).start();
    assert_eq!(t.join().unwrap(), [1, 2, 3]);
}

#[test]
fn join_of_a_panicking_thread_returns_the_message() {
    let n = std::hint::black_box(42);
    let t = Thread::builder()
        .name("doomed")
        .spawn(move || -> u8 { panic!("went wrong: {n}") })
        .unwrap();
    let p = t.join().unwrap_err();
    assert_eq!(p.message(), Some("went wrong: 42"));
    assert_eq!(p.thread_name(), "doomed");
    assert_eq!(p.to_string(), "thread 'doomed' panicked: went wrong: 42");
    let payload = p.into_panic();
    assert_eq!(payload.downcast_ref::<String>().unwrap(), "went wrong: 42");

    let t = Thread::new(|| std::panic::panic_any(7u32)).start();
    let p = t.join().unwrap_err();
    assert_eq!(p.message(), None);
    assert_eq!(*p.into_panic().downcast::<u32>().unwrap(), 7);
}

#[test]
fn join_timeout_times_out_on_a_blocked_thread_then_succeeds() {
    let go = Arc::new(Event::new());
    let g = go.clone();
    let t = Thread::new(move || {
        g.blocking_wait();
        "released"
    })
    .start();
    let t = match t.join_timeout(Duration::from_millis(20)) {
        Err(e) => {
            assert!(e.is_timeout());
            e.into_handle().unwrap()
        }
        Ok(v) => panic!("joined a blocked thread: {v}"),
    };
    assert!(t.is_alive());
    go.set();
    assert_eq!(t.join_timeout(TIMEOUT_MAX).unwrap(), "released");
}

#[test]
fn join_timeout_with_huge_timeouts_waits_forever_without_overflow() {
    for timeout in [
        TIMEOUT_MAX,
        TIMEOUT_MAX + Duration::from_secs(1),
        Duration::MAX,
    ] {
        let t = Thread::new(|| 3).start();
        assert_eq!(t.join_timeout(timeout).unwrap(), 3);
    }
    let t = Thread::new(|| panic!("late")).start();
    match t.join_timeout(Duration::MAX) {
        Err(JoinTimeoutError::Panicked(p)) => assert_eq!(p.message(), Some("late")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn is_alive_before_and_after() {
    let go = Arc::new(Event::new());
    let g = go.clone();
    let t = Thread::new(move || g.blocking_wait()).start();
    assert!(t.is_alive());
    assert!(t.info().is_alive());
    let ident = t.ident();
    assert!(thread::enumerate().iter().any(|i| i.ident() == ident));
    go.set();
    let (tx, rx) = mpsc::channel();
    // Wait for the end without joining (a task's `finished`), then look.
    myrt::run(async move {
        t.finished().await;
        tx.send(t).unwrap();
    });
    let t = rx.recv().unwrap();
    assert!(!t.is_alive());
    assert!(!thread::enumerate().iter().any(|i| i.ident() == ident));
    t.join().unwrap();
}

#[test]
fn async_join_from_a_task() {
    let go = Arc::new(Event::new());
    let g = go.clone();
    let got = myrt::run(async move {
        let t = Thread::new(move || {
            g.blocking_wait();
            thread::current_thread().name().to_owned()
        })
        .name("awaited")
        .start();
        let waiter = myrt::spawn(t.join_async());
        // The thread cannot finish before the event is set.
        assert!(!waiter.is_finished());
        go.set();
        waiter.await.unwrap().unwrap()
    });
    assert_eq!(got, "awaited");
}

#[test]
fn a_cancelled_finished_wait_leaves_the_handle_usable() {
    let go = Arc::new(Event::new());
    let g = go.clone();
    let t = Thread::new(move || {
        g.blocking_wait();
        9
    })
    .start();
    let t = myrt::run(async move {
        let timed_out = myrt::time::timeout(Duration::from_millis(5), t.finished()).await;
        assert!(timed_out.is_err(), "finished before the event was set");
        t
    });
    assert!(t.is_alive());
    go.set();
    assert_eq!(t.join().unwrap(), 9);
}

#[test]
fn checked_start_and_stack_size() {
    let t = Thread::new(|| 1).daemon(false).checked_start().unwrap();
    assert!(!t.is_daemon());
    assert_eq!(t.join().unwrap(), 1);
    let t = myrt::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| 2)
        .unwrap();
    assert_eq!(t.join().unwrap(), 2);
}

#[test]
fn a_foreign_thread_is_listed_while_it_runs() {
    let (tx, rx) = std::sync::mpsc::channel();
    let go = Arc::new(Event::new());
    let g = go.clone();
    let t = std::thread::Builder::new()
        .name("plain".into())
        .spawn(move || {
            // Entering a runtime registers a plain thread.
            let rt = myrt::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            rt.block_on(async {});
            let ident = thread::enumerate()
                .into_iter()
                .find(|i| i.native_id() == Some(proc_tid()))
                .map(|i| i.ident());
            let me = thread::current_thread();
            assert_eq!(ident, Some(me.ident()));
            tx.send(me).unwrap();
            g.blocking_wait();
        })
        .unwrap();
    let info = rx.recv().unwrap();
    assert_eq!(info.role(), Role::Foreign);
    assert_eq!(info.name(), "plain");
    assert!(info.is_daemon());
    assert_eq!(
        thread::enumerate()
            .into_iter()
            .find(|i| i.ident() == info.ident())
            .as_ref(),
        Some(&info)
    );
    go.set();
    t.join().unwrap();
    assert!(thread::enumerate()
        .into_iter()
        .find(|i| i.ident() == info.ident())
        .is_none());
}
