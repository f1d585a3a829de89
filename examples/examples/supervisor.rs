//! A process supervisor (Python `multiprocessing` + asyncio subprocesses):
//! starts N children, streams their output lines prefixed with the child
//! number, restarts a child that dies, and stops them all cleanly on
//! Ctrl-C or SIGTERM.
//!
//! ```text
//! cargo run --example supervisor                 # 3 children, until Ctrl-C / SIGTERM
//! cargo run --example supervisor -- --children 5
//! cargo run --example supervisor -- --demo       # sends itself SIGTERM after ~2 s
//! ```

use std::pin::pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{select, Either};
use myrt::io::{AsyncBufReadExt, BufReader, StreamExt};
use myrt::process::{exitcode, Command, Stdio};
use myrt::signal::unix::{signal, SignalKind};
use myrt::sync::Event;
use myrt::task::TaskGroup;

/// Each child ticks three times, then dies with exit code 1.
const SCRIPT: &str = "for i in 1 2 3; do echo tick $i; sleep 0.2; done; exit 1";

/// Runs child number `n` until `stop` is set, restarting it whenever it
/// exits; returns how many times it was restarted.
async fn supervise(n: usize, stop: Arc<Event>) -> std::io::Result<u32> {
    let mut restarts = 0;
    loop {
        let mut child = Command::new("sh")
            .args(["-c", SCRIPT])
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        println!("[child {n}] started, pid {}", child.id());
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let stream = async {
            while let Some(Ok(line)) = lines.next().await {
                println!("[child {n}] {line}");
            }
        };
        match select(pin!(stream), pin!(stop.wait())).await {
            Either::Left(((), _)) => {
                let status = child.wait().await?;
                println!("[child {n}] exited with code {}", exitcode(&status));
                if stop.is_set() {
                    return Ok(restarts);
                }
                restarts += 1;
                println!("[child {n}] restarting (restart #{restarts})");
            }
            Either::Right(_) => {
                child.terminate()?;
                let status = child.wait().await?;
                println!("[child {n}] stopped (exitcode {})", exitcode(&status));
                return Ok(restarts);
            }
        }
    }
}

async fn main_async(children: usize, demo: bool) -> std::io::Result<()> {
    // Listen before anything can send the signals.
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let stop = Arc::new(Event::new());

    let mut group: TaskGroup<u32, std::io::Error> = TaskGroup::new();
    for n in 1..=children {
        group.spawn(supervise(n, stop.clone()));
    }
    if demo {
        myrt::spawn(async {
            myrt::time::sleep(Duration::from_secs(2)).await;
            let pid = std::process::id().to_string();
            println!("[demo] sending SIGTERM to ourselves (pid {pid})");
            let _ = Command::new("kill").args(["-TERM", &pid]).status().await;
        });
    }

    match select(pin!(term.recv()), pin!(int.recv())).await {
        Either::Left(_) => println!("[supervisor] SIGTERM: stopping children"),
        Either::Right(_) => println!("[supervisor] Ctrl-C: stopping children"),
    }
    stop.set();
    match group.join().await {
        Ok(restarts) => {
            println!(
                "[supervisor] all {} children stopped; restarts per child: {restarts:?}",
                restarts.len()
            );
            Ok(())
        }
        Err(e) => Err(std::io::Error::other(e.to_string())),
    }
}

fn main() -> ExitCode {
    let mut children = 3;
    let mut demo = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--demo" => demo = true,
            "--children" => match args.next().and_then(|v| v.parse().ok()) {
                Some(n) if n > 0 => children = n,
                _ => {
                    eprintln!("--children needs a positive number");
                    return ExitCode::from(2);
                }
            },
            other => {
                eprintln!("unknown argument {other:?}; usage: supervisor [--children N] [--demo]");
                return ExitCode::from(2);
            }
        }
    }
    match myrt::run(main_async(children, demo)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("supervisor: {e}");
            ExitCode::FAILURE
        }
    }
}
