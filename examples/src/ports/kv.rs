//! A key-value server (tokio's `examples/tinydb.rs`, with the graceful
//! shutdown of mini-redis): a `RwLock`'d map shared by every connection,
//! one command per line:
//!
//! | request | answer |
//! | --- | --- |
//! | `SET key value` | `OK` |
//! | `GET key` | the value, or `NIL` |
//! | `DEL key` | `1` if it existed, else `0` |
//! | anything else | `ERR ...` |
//!
//! When the `shutdown` future completes the server stops accepting, tells
//! every open connection `BYE` after the command it is serving, waits up
//! to a grace period for them to close and aborts the rest.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use myrt::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, StreamExt};
use myrt::net::{TcpListener, TcpStream};
use myrt::sync::{Event, RwLock};
use myrt::task::JoinSet;

/// The shared map.
pub type Db = Arc<RwLock<HashMap<String, String>>>;

/// How the connections ended after shutdown began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Report {
    /// Connections that ended by themselves (client gone or `BYE` sent).
    pub finished: usize,
    /// Connections still open at the deadline, aborted.
    pub aborted: usize,
}

/// Serves `listener` until `shutdown` completes, then drains the
/// connections for at most `grace`. The listener is dropped before this
/// returns, so new connections are refused.
///
/// # Errors
///
/// An accept error ends the server (connections are drained as for a
/// shutdown first).
pub async fn serve(
    listener: TcpListener,
    db: Db,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> io::Result<Report> {
    let stop = Arc::new(Event::new());
    let mut conns = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let accepted: io::Result<()> = loop {
        myrt::select! {
            _ = &mut shutdown => break Ok(()),
            r = listener.accept() => match r {
                Ok((stream, _)) => {
                    conns.spawn(connection(stream, db.clone(), stop.clone()));
                }
                Err(e) => break Err(e),
            },
            // Reap finished connections as we go, so the set stays small.
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    };
    drop(listener);
    stop.set();
    let mut report = Report {
        finished: 0,
        aborted: 0,
    };
    let drained = myrt::time::timeout(grace, async {
        while let Some(r) = conns.join_next().await {
            if r.is_ok() {
                report.finished += 1;
            }
        }
    })
    .await;
    if drained.is_err() {
        report.aborted = conns.len();
        conns.shutdown_now();
    }
    accepted.map(|()| report)
}

async fn connection(stream: TcpStream, db: Db, stop: Arc<Event>) {
    let (r, mut w) = stream.into_split();
    let mut lines = BufReader::new(r).lines();
    loop {
        let line = myrt::select! {
            biased;
            _ = stop.wait() => {
                let _ = w.write_all(b"BYE\n").await;
                return;
            }
            line = lines.next() => match line {
                Some(Ok(line)) => line,
                _ => return,
            },
        };
        let answer = execute(&db, &line).await;
        if w.write_all(format!("{answer}\n").as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Runs one command line against `db` and returns the answer line.
pub async fn execute(db: &Db, line: &str) -> String {
    let mut words = line.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some("GET"), Some(key), None) => match db.read().await.get(key) {
            Some(v) => v.clone(),
            None => "NIL".to_string(),
        },
        (Some("SET"), Some(key), Some(_)) => {
            // The value is the rest of the line, spaces included.
            let value = line
                .trim_start()
                .splitn(3, char::is_whitespace)
                .nth(2)
                .unwrap_or_default()
                .trim_start();
            db.write().await.insert(key.to_string(), value.to_string());
            "OK".to_string()
        }
        (Some("DEL"), Some(key), None) => {
            let existed = db.write().await.remove(key).is_some();
            if existed { "1" } else { "0" }.to_string()
        }
        (Some(cmd), _, _) => format!("ERR unknown or malformed command {cmd:?}"),
        (None, _, _) => "ERR empty command".to_string(),
    }
}
