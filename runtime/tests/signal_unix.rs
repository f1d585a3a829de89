//! Signals sent to our own process reach every listener. One #[test]
//! only, with SIGUSR1/SIGUSR2, so parallel tests cannot interfere.
#![allow(unsafe_code)] // kill(2) on our own pid

use std::time::Duration;

use myrt::io::StreamExt;
use myrt::signal::unix::{signal, SignalKind};

fn raise(sig: i32) {
    // SAFETY: kill(2) takes integers; the signal has a handler installed
    // (a listener exists) before every call here.
    let r = unsafe { libc::kill(libc::getpid(), sig) };
    assert_eq!(r, 0);
}

#[test]
fn signals_reach_every_listener() {
    myrt::run(async {
        myrt::time::timeout(Duration::from_secs(20), async {
            // Every listener, in tasks and across both worker threads.
            let mut listeners: Vec<_> = (0..8)
                .map(|_| signal(SignalKind::user_defined1()).unwrap())
                .collect();
            let waiting: Vec<_> = listeners
                .drain(..4)
                .map(|mut s| myrt::spawn(async move { s.recv().await }))
                .collect();
            myrt::time::sleep(Duration::from_millis(20)).await;
            raise(libc::SIGUSR1);
            for h in waiting {
                assert_eq!(h.await.unwrap(), Some(()));
            }
            for s in &mut listeners {
                assert_eq!(s.recv().await, Some(()));
            }

            // A listener of another signal is not woken by SIGUSR1.
            let mut usr2 = signal(SignalKind::user_defined2()).unwrap();
            raise(libc::SIGUSR1);
            let r = myrt::time::timeout(Duration::from_millis(50), usr2.recv()).await;
            assert!(r.is_err(), "SIGUSR2 listener saw SIGUSR1");
            raise(libc::SIGUSR2);
            assert_eq!(usr2.next().await, Some(()));

            // Repeated deliveries: each recv after a raise sees one.
            for _ in 0..20 {
                raise(libc::SIGUSR2);
                assert_eq!(usr2.recv().await, Some(()));
            }

            // Listeners on a second runtime (another reactor) see it too.
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            let other = std::thread::spawn(move || {
                myrt::run(async move {
                    let mut s = signal(SignalKind::user_defined2()).unwrap();
                    tx.send(()).unwrap();
                    myrt::time::timeout(Duration::from_secs(10), s.recv()).await
                })
            });
            rx.recv_timeout(Duration::from_secs(10)).unwrap();
            raise(libc::SIGUSR2);
            assert_eq!(usr2.recv().await, Some(()));
            assert_eq!(other.join().unwrap(), Ok(Some(())));
        })
        .await
        .expect("timed out");
    });
}

#[test]
fn forbidden_signals_are_refused() {
    myrt::run(async {
        assert!(signal(SignalKind::from_raw(libc::SIGKILL)).is_err());
        assert!(signal(SignalKind::from_raw(libc::SIGSEGV)).is_err());
        assert!(signal(SignalKind::from_raw(0)).is_err());
        assert!(signal(SignalKind::from_raw(1000)).is_err());
    });
}

#[test]
fn signal_outside_runtime_is_an_error() {
    assert!(signal(SignalKind::user_defined1()).is_err());
}
