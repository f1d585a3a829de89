//! TaskGroup (asyncio.TaskGroup) and JoinSet on the real runtime.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use myrt::task::{JoinSet, TaskGroup};
use myrt::time::sleep;

fn run<F: std::future::Future>(fut: F) -> F::Output {
    myrt::run(async {
        myrt::time::timeout(Duration::from_secs(20), fut)
            .await
            .expect("test timed out")
    })
}

/// Counts its drops.
struct Guard(Arc<AtomicUsize>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn panicking_member_cancels_siblings_and_is_reported() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let (d, f) = (dropped.clone(), finished.clone());
    run(async move {
        let mut group: TaskGroup<(), String> = TaskGroup::new();
        for _ in 0..5 {
            let (d, f) = (d.clone(), f.clone());
            group.spawn(async move {
                let _g = Guard(d);
                sleep(Duration::from_secs(10)).await;
                f.fetch_add(1, Ordering::SeqCst);
                Ok(())
            });
        }
        group.spawn(async {
            sleep(Duration::from_millis(20)).await;
            panic!("member exploded");
        });
        let err = group.join().await.unwrap_err();
        assert_eq!(err.failures.len(), 1);
        assert!(err.failures[0].is_panic());
        assert_eq!(err.failures[0].panic_message(), Some("member exploded"));
        assert!(err.to_string().contains("member exploded"), "{err}");
    });
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        5,
        "every sibling's guard dropped"
    );
    assert_eq!(
        finished.load(Ordering::SeqCst),
        0,
        "no sibling ran to the end"
    );
}

#[test]
fn every_failure_is_reported() {
    run(async {
        let mut group: TaskGroup<u32, String> = TaskGroup::new();
        // Two members fail in the same poll round: both are reported.
        group.spawn(async { Err("a".to_string()) });
        group.spawn(async { Err("b".to_string()) });
        group.spawn(async {
            sleep(Duration::from_secs(10)).await;
            Ok(1)
        });
        let err = group.join().await.unwrap_err();
        let mut msgs: Vec<String> = err
            .into_failures()
            .into_iter()
            .map(|f| match f {
                myrt::task::TaskFailure::Failed(e) => e,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        msgs.sort();
        assert!(
            msgs == ["a", "b"] || msgs == ["a"] || msgs == ["b"],
            "{msgs:?}"
        );
        assert!(!msgs.is_empty());
    });
}

#[test]
fn successful_group_returns_values_in_spawn_order() {
    run(async {
        let mut group: TaskGroup<u64, std::convert::Infallible> = TaskGroup::new();
        for i in 0..50u64 {
            group.spawn(async move {
                sleep(Duration::from_millis(50 - i)).await;
                Ok(i)
            });
        }
        assert_eq!(group.len(), 50);
        let v = group.join().await.unwrap();
        assert_eq!(v, (0..50).collect::<Vec<_>>());
    });
}

#[test]
fn dropping_group_cancels_members() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let d = dropped.clone();
    run(async move {
        let mut group: TaskGroup<(), ()> = TaskGroup::new();
        for _ in 0..4 {
            let d = d.clone();
            group.spawn(async move {
                let _g = Guard(d);
                std::future::pending::<()>().await;
                Ok(())
            });
        }
        sleep(Duration::from_millis(10)).await;
        drop(group);
        let mut waited = 0;
        while d.load(Ordering::SeqCst) < 4 && waited < 2000 {
            sleep(Duration::from_millis(5)).await;
            waited += 5;
        }
    });
    assert_eq!(dropped.load(Ordering::SeqCst), 4);
}

#[test]
fn join_set_yields_in_completion_order() {
    run(async {
        let mut set = JoinSet::new();
        assert!(set.is_empty());
        for ms in [80u64, 10, 50, 30, 0] {
            set.spawn(async move {
                sleep(Duration::from_millis(ms)).await;
                ms
            });
        }
        assert_eq!(set.len(), 5);
        let mut order = Vec::new();
        while let Some(r) = set.join_next().await {
            order.push(r.unwrap());
        }
        assert_eq!(order, [0, 10, 30, 50, 80]);
        assert!(set.join_next().await.is_none());
    });
}

#[test]
fn join_set_reports_panics_and_aborts() {
    run(async {
        let mut set = JoinSet::new();
        set.spawn(async { panic!("inner") });
        let r = set.join_next().await.unwrap();
        assert!(r.unwrap_err().is_panic());

        let dropped = Arc::new(AtomicUsize::new(0));
        for _ in 0..3 {
            let d = dropped.clone();
            let g = Guard(d);
            set.spawn(async move {
                let _g = g;
                std::future::pending::<()>().await;
            });
        }
        set.abort_all();
        let mut cancelled = 0;
        while let Some(r) = set.join_next().await {
            assert!(r.unwrap_err().is_cancelled());
            cancelled += 1;
        }
        assert_eq!(cancelled, 3);
        assert_eq!(dropped.load(Ordering::SeqCst), 3);

        // Dropping the set aborts what is left.
        let d2 = Arc::new(AtomicUsize::new(0));
        let mut set = JoinSet::new();
        for _ in 0..3 {
            let d = d2.clone();
            let g = Guard(d);
            set.spawn(async move {
                let _g = g;
                std::future::pending::<()>().await;
            });
        }
        sleep(Duration::from_millis(5)).await;
        drop(set);
        let mut waited = 0;
        while d2.load(Ordering::SeqCst) < 3 && waited < 2000 {
            sleep(Duration::from_millis(5)).await;
            waited += 5;
        }
        assert_eq!(d2.load(Ordering::SeqCst), 3);
    });
}

#[test]
fn join_set_many_tasks() {
    run(async {
        let mut set = JoinSet::new();
        for i in 0..2000u64 {
            set.spawn(async move {
                myrt::task::yield_now().await;
                i
            });
        }
        let mut sum = 0;
        while let Some(r) = set.join_next().await {
            sum += r.unwrap();
        }
        assert_eq!(sum, 1999 * 2000 / 2);
    });
}

#[test]
fn try_spawn_outside_a_runtime_is_an_error_for_groups_and_sets() {
    let mut group: myrt::task::TaskGroup<(), ()> = myrt::task::TaskGroup::new();
    assert!(group.checked_spawn(async { Ok(()) }).is_err());
    assert_eq!(group.len(), 0, "nothing was added");
    let mut set: myrt::task::JoinSet<u8> = myrt::task::JoinSet::new();
    assert!(set.checked_spawn(async { 1 }).is_err());
    assert!(set.is_empty());
    // Inside a runtime both work.
    let v = myrt::run(async move {
        set.checked_spawn(async { 4 }).unwrap();
        set.join_next().await.unwrap().unwrap()
    });
    assert_eq!(v, 4);
}
