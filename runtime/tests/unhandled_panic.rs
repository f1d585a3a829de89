//! `Builder::unhandled_panic`: a detached task's panic is reported once
//! with its name, ignored, or shuts the runtime down.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use myrt::runtime::{Builder, Runtime, UnhandledPanic};
use myrt::sync::Event;

fn runtime(multi: bool, policy: UnhandledPanic) -> Runtime {
    let b = if multi {
        Builder::new_multi_thread().worker_threads(2)
    } else {
        Builder::new_current_thread()
    };
    b.unhandled_panic(policy).build().unwrap()
}

struct SetOnDrop(Arc<Event>);
impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.set();
    }
}

fn shutdown_runtime_ends_block_on(multi: bool) {
    let rt = runtime(multi, UnhandledPanic::ShutdownRuntime);
    let other_dropped = Arc::new(Event::new());
    let flag = other_dropped.clone();
    let r = catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async move {
            // A long-running task that the shutdown must cancel.
            let guard = SetOnDrop(flag);
            let _other = myrt::spawn(async move {
                let _g = guard;
                std::future::pending::<()>().await
            });
            myrt::task::yield_now().await;
            drop(
                myrt::task::Builder::new()
                    .name("doomed")
                    .spawn(async { panic!("detached bug") })
                    .unwrap(),
            );
            std::future::pending::<()>().await
        })
    }));
    let msg = match r {
        Ok(()) => panic!("block_on returned"),
        Err(p) => p
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| "<non-string>".into()),
    };
    assert!(
        msg.contains("'doomed'") && msg.contains("detached bug"),
        "{msg}"
    );
    // The runtime is still alive (not dropped): only the shutdown's
    // cancellation drops the other task (at once if it was idle, at the end
    // of its poll if a worker was polling it).
    assert!(
        other_dropped.blocking_wait_timeout(Duration::from_secs(20)),
        "the shutdown did not cancel the other task"
    );
    // The runtime stays down: a later spawn is cancelled at once, and a
    // later block_on panics with the same report.
    let h = rt.handle().spawn(async { 1 });
    let again = catch_unwind(AssertUnwindSafe(|| rt.block_on(h)));
    let msg = again.expect_err("a block_on after the shutdown must panic too");
    let msg = msg.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("ShutdownRuntime") && msg.contains("'doomed'"),
        "{msg}"
    );
}

#[test]
fn shutdown_runtime_on_a_current_thread_runtime() {
    shutdown_runtime_ends_block_on(false);
}

#[test]
fn shutdown_runtime_on_a_multi_thread_runtime() {
    shutdown_runtime_ends_block_on(true);
}

#[test]
fn a_joined_panic_is_not_unhandled() {
    for multi in [false, true] {
        let rt = runtime(multi, UnhandledPanic::ShutdownRuntime);
        let v = rt.block_on(async {
            let h = myrt::spawn(async { panic!("seen by the joiner") });
            let e = h.await.unwrap_err();
            assert!(e.is_panic());
            // The runtime still runs tasks.
            myrt::spawn(async { 7 }).await.unwrap()
        });
        assert_eq!(v, 7);
    }
}

/// Runs this test binary's `child` test with `MYRT_PANIC_CHILD=policy` and
/// returns its stderr.
fn child_stderr(policy: &str) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env("MYRT_PANIC_CHILD", policy)
        .output()
        .unwrap();
    assert!(out.status.success(), "child failed: {out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn report_prints_one_line_per_detached_panic_with_the_name() {
    let err = child_stderr("report");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("myrt: detached task"))
        .collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("'named-one'") && l.contains("boom 1")),
        "{err}"
    );
    assert!(lines.iter().any(|l| l.contains("boom 2")), "{err}");
}

#[test]
fn ignore_prints_no_report() {
    let err = child_stderr("ignore");
    assert!(!err.contains("myrt: detached task"), "{err}");
    // The panic hook still ran in the child.
    assert!(err.contains("boom 1"), "{err}");
}

/// The child half of the two tests above; does nothing unless asked.
#[test]
fn child() {
    let policy = match std::env::var("MYRT_PANIC_CHILD").as_deref() {
        Ok("report") => UnhandledPanic::Report,
        Ok("ignore") => UnhandledPanic::Ignore,
        _ => return,
    };
    let rt = runtime(true, policy);
    rt.block_on(async {
        let done = Arc::new(Event::new());
        let d = done.clone();
        // Detached: panics after its handle is gone.
        let gate = Arc::new(Event::new());
        let g = gate.clone();
        drop(
            myrt::task::Builder::new()
                .name("named-one")
                .spawn(async move {
                    g.wait().await;
                    panic!("boom 1")
                })
                .unwrap(),
        );
        let g = gate.clone();
        drop(myrt::spawn(async move {
            g.wait().await;
            panic!("boom 2")
        }));
        // Joined: not reported.
        let joined = myrt::spawn(async { panic!("joined panic") });
        gate.set();
        assert!(joined.await.is_err());
        myrt::spawn(async move { d.set() });
        done.wait().await;
    });
    // Dropping the runtime waits for the workers: both panics are in.
    drop(rt);
}
