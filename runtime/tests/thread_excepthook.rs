//! `set_excepthook`: a panicking `myrt::thread::Thread` is reported exactly
//! once, by Rust's panic hook by default or by the installed excepthook
//! instead. One test function: the hooks are process-wide.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use myrt::thread::{self, Thread};

static PANIC_HOOK_CALLS: AtomicUsize = AtomicUsize::new(0);

#[test]
fn a_panicking_thread_is_reported_once() {
    // A panic hook that counts, standing for Rust's default report.
    std::panic::set_hook(Box::new(|_| {
        PANIC_HOOK_CALLS.fetch_add(1, SeqCst);
    }));

    // Default: the panic hook is the report, once.
    let t = Thread::new(|| panic!("default report")).start();
    assert_eq!(t.join().unwrap_err().message(), Some("default report"));
    assert_eq!(PANIC_HOOK_CALLS.swap(0, SeqCst), 1);

    // With an excepthook: it is the report, once; the panic hook is quiet.
    let reports = Arc::new(Mutex::new(Vec::new()));
    let r = reports.clone();
    thread::set_excepthook(move |args| {
        let name = args.thread().name().to_owned();
        let msg = args.message().map(str::to_owned);
        r.lock().unwrap().push((name, msg));
    });
    let t = Thread::builder()
        .name("hooked")
        .spawn(|| -> () { panic!("custom report") })
        .unwrap();
    let p = t.join().unwrap_err();
    assert_eq!(
        p.message(),
        Some("custom report"),
        "join still returns the panic"
    );
    assert_eq!(
        *reports.lock().unwrap(),
        [("hooked".to_owned(), Some("custom report".to_owned()))]
    );
    assert_eq!(PANIC_HOOK_CALLS.load(SeqCst), 0);

    // Panics elsewhere still reach the panic hook.
    assert!(std::thread::spawn(|| panic!("plain thread"))
        .join()
        .is_err());
    assert_eq!(PANIC_HOOK_CALLS.swap(0, SeqCst), 1);
    assert_eq!(reports.lock().unwrap().len(), 1);

    // A thread that does not panic reports nothing.
    Thread::new(|| ()).start().join().unwrap();
    assert_eq!(reports.lock().unwrap().len(), 1);

    // A panicking excepthook is reported by the panic hook, and the
    // thread's own panic still comes back from join.
    thread::set_excepthook(|_| panic!("the hook itself"));
    let t = Thread::new(|| panic!("inner")).start();
    assert_eq!(t.join().unwrap_err().message(), Some("inner"));
    assert_eq!(PANIC_HOOK_CALLS.swap(0, SeqCst), 1);

    // Cleared: back to the panic hook's single report.
    thread::clear_excepthook();
    let t = Thread::new(|| panic!("cleared")).start();
    assert!(t.join().is_err());
    assert_eq!(PANIC_HOOK_CALLS.swap(0, SeqCst), 1);
    assert_eq!(reports.lock().unwrap().len(), 1);
}
