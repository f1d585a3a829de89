//! Child processes: many at once, exit codes, signals, pipes, no zombies.

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use myrt::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, StreamExt};
use myrt::process::{exitcode, Command, Stdio};

fn run<F: std::future::Future>(fut: F) -> F::Output {
    myrt::run(async {
        myrt::time::timeout(Duration::from_secs(30), fut)
            .await
            .expect("test timed out")
    })
}

/// Whether `pid` is a zombie child of this process.
fn is_our_zombie(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // Fields after the `(comm)`: state ppid ...
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let mut it = rest.split_whitespace();
    let state = it.next().unwrap();
    let ppid: u32 = it.next().unwrap().parse().unwrap();
    state == "Z" && ppid == std::process::id()
}

/// Whether `pid` still names a live (non-zombie) child of ours.
fn is_our_live_child(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let mut it = rest.split_whitespace();
    let state = it.next().unwrap();
    let ppid: u32 = it.next().unwrap().parse().unwrap();
    state != "Z" && ppid == std::process::id()
}

#[test]
fn two_hundred_children_concurrently_right_codes_no_zombies() {
    let n = 200;
    let pids = run(async move {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                myrt::spawn(async move {
                    let code = i % 7;
                    let mut child = if code == 0 {
                        Command::new("true").spawn().unwrap()
                    } else {
                        Command::new("sh")
                            .arg("-c")
                            .arg(format!("exit {code}"))
                            .spawn()
                            .unwrap()
                    };
                    let pid = child.id();
                    let st = child.wait().await.unwrap();
                    assert_eq!(st.code(), Some(code), "child {i}");
                    // A second wait returns the same status.
                    assert_eq!(child.wait().await.unwrap().code(), Some(code));
                    assert_eq!(child.try_wait().unwrap().unwrap().code(), Some(code));
                    pid
                })
            })
            .collect();
        let mut pids = Vec::new();
        for h in handles {
            pids.push(h.await.unwrap());
        }
        pids
    });
    assert_eq!(pids.len(), n as usize);
    for pid in pids {
        assert!(!is_our_zombie(pid), "pid {pid} left as a zombie");
    }
}

#[test]
fn terminate_and_kill_report_the_signal() {
    run(async {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        assert!(child.try_wait().unwrap().is_none(), "is_alive");
        child.terminate().unwrap();
        let st = child.wait().await.unwrap();
        assert_eq!(st.signal(), Some(libc::SIGTERM));
        assert_eq!(st.code(), None);
        assert_eq!(exitcode(&st), -libc::SIGTERM);
        // Signalling a reaped child is a no-op, not a stray kill(2).
        child.terminate().unwrap();

        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        let st = child.kill().await.unwrap();
        assert_eq!(st.signal(), Some(libc::SIGKILL));
        assert_eq!(exitcode(&st), -libc::SIGKILL);

        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        child.start_kill().unwrap();
        assert_eq!(child.wait().await.unwrap().signal(), Some(libc::SIGKILL));
    });
}

#[test]
fn ten_megabytes_of_stdout_read_concurrently() {
    run(async {
        let mut child = Command::new("head")
            .args(["-c", "10000000", "/dev/zero"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let reader = myrt::spawn(async move {
            let mut buf = Vec::new();
            out.read_to_end(&mut buf).await.unwrap();
            buf
        });
        let st = child.wait().await.unwrap();
        assert!(st.success());
        let buf = reader.await.unwrap();
        assert_eq!(buf.len(), 10_000_000);
        assert!(buf.iter().all(|&b| b == 0));
    });
}

#[test]
fn output_collects_stdout_and_stderr() {
    run(async {
        let out = Command::new("sh")
            .args(["-c", "head -c 200000 /dev/zero; echo err >&2; exit 4"])
            .output()
            .await
            .unwrap();
        assert_eq!(out.stdout.len(), 200_000);
        assert_eq!(out.stderr, b"err\n");
        assert_eq!(out.status.code(), Some(4));
        let st = Command::new("true").status().await.unwrap();
        assert!(st.success());
    });
}

#[test]
fn stdin_round_trip_and_lines() {
    run(async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let writer = myrt::spawn(async move {
            for i in 0..1000 {
                stdin
                    .write_all(format!("line {i}\n").as_bytes())
                    .await
                    .unwrap();
            }
            // Dropping stdin closes the pipe: cat sees end-of-file.
        });
        let mut lines = BufReader::new(stdout).lines();
        let mut n = 0;
        while let Some(line) = lines.next().await {
            assert_eq!(line.unwrap(), format!("line {n}"));
            n += 1;
        }
        assert_eq!(n, 1000);
        writer.await.unwrap();
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn env_and_current_dir() {
    run(async {
        let out = Command::new("sh")
            .args(["-c", "echo \"$FOO:$BAR:$(pwd)\""])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap())
            .envs([("FOO", "1"), ("BAR", "2")])
            .env_remove("BAR")
            .current_dir("/")
            .output()
            .await
            .unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), "1::/\n");
    });
}

#[test]
fn missing_program_is_an_error() {
    run(async {
        let err = Command::new("/nonexistent/definitely-not-here")
            .spawn()
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    });
}

#[test]
fn spawn_outside_a_runtime_is_an_error() {
    assert!(Command::new("true").spawn().is_err());
}

#[test]
fn cancelled_wait_does_not_kill() {
    run(async {
        let mut child = Command::new("sh")
            .args(["-c", "sleep 0.2; exit 9"])
            .spawn()
            .unwrap();
        let r = myrt::time::timeout(Duration::from_millis(20), child.wait()).await;
        assert!(r.is_err(), "wait should still be pending");
        assert_eq!(child.wait().await.unwrap().code(), Some(9));
    });
}

#[test]
fn dropped_children_are_reaped_or_killed() {
    run(async {
        // Without kill_on_drop: keeps running, reaped in the background.
        let child = Command::new("sh")
            .args(["-c", "sleep 0.1"])
            .spawn()
            .unwrap();
        let plain = child.id();
        drop(child);
        assert!(is_our_live_child(plain) || !is_our_zombie(plain));
        // With kill_on_drop: killed at once, then reaped.
        let child = Command::new("sleep")
            .arg("30")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let killed = child.id();
        drop(child);
        let mut waited = Duration::ZERO;
        while (is_our_live_child(plain)
            || is_our_zombie(plain)
            || is_our_live_child(killed)
            || is_our_zombie(killed))
            && waited < Duration::from_secs(5)
        {
            myrt::time::sleep(Duration::from_millis(20)).await;
            waited += Duration::from_millis(20);
        }
        assert!(
            !is_our_zombie(plain) && !is_our_live_child(plain),
            "plain child not reaped"
        );
        assert!(
            !is_our_zombie(killed) && !is_our_live_child(killed),
            "kill_on_drop child not reaped"
        );
    });
}
