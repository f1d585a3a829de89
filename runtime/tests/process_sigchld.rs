//! The SIGCHLD fallback (kernels without pidfd), forced in its own test
//! binary since the switch is process-wide.

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use myrt::process::Command;

#[test]
fn sigchld_fallback_waits_and_kills() {
    myrt::process::__force_sigchld_fallback(true);
    myrt::run(async {
        myrt::time::timeout(Duration::from_secs(30), async {
            let handles: Vec<_> = (0..50)
                .map(|i| {
                    myrt::spawn(async move {
                        let mut c = Command::new("sh")
                            .arg("-c")
                            .arg(format!("exit {}", i % 5))
                            .spawn()
                            .unwrap();
                        assert_eq!(c.wait().await.unwrap().code(), Some(i % 5));
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
            let mut c = Command::new("sleep").arg("30").spawn().unwrap();
            c.terminate().unwrap();
            assert_eq!(c.wait().await.unwrap().signal(), Some(libc::SIGTERM));
        })
        .await
        .expect("timed out");
    });
}
