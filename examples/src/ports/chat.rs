//! A chat server (tokio's `examples/chat.rs`) over
//! [`myrt::sync::broadcast`]: every line a client sends goes to every
//! other client. A client first answers `name?`, is told `welcome <name>`
//! once it is subscribed, then sees `* <name> joined`, `<name>: <line>`
//! and `* <name> left` for the others; a client too slow to keep up is
//! told how many messages it missed instead of slowing the rest down.

use std::io;

use myrt::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, StreamExt};
use myrt::net::{TcpListener, TcpStream};
use myrt::sync::broadcast::{self, RecvError};

/// How many messages a client may fall behind before it is told it
/// missed some.
pub const BACKLOG: usize = 64;

/// One chat line, with the connection it came from (not echoed back).
#[derive(Clone, Debug)]
struct Message {
    from: u64,
    text: String,
}

/// Serves chat clients on `listener` until an accept fails.
///
/// # Errors
///
/// The accept error that ended the loop.
pub async fn serve(listener: TcpListener) -> io::Result<()> {
    let (tx, _) = broadcast::channel::<Message>(BACKLOG);
    let mut next_id = 0u64;
    loop {
        let (stream, _) = listener.accept().await?;
        next_id += 1;
        let tx = tx.clone();
        let id = next_id;
        myrt::spawn(async move {
            // A client that vanishes mid-write only ends its own task.
            let _ = client(stream, id, tx).await;
        });
    }
}

async fn client(stream: TcpStream, id: u64, tx: broadcast::Sender<Message>) -> io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut lines = BufReader::new(r).lines();
    w.write_all(b"name?\n").await?;
    let name = match lines.next().await {
        Some(Ok(name)) if !name.trim().is_empty() => name.trim().to_string(),
        _ => return Ok(()),
    };
    let mut rx = tx.subscribe();
    let say = |text: String| {
        // Nobody else listening is not an error in a chat room.
        let _ = tx.send(Message { from: id, text });
    };
    w.write_all(format!("welcome {name}\n").as_bytes()).await?;
    say(format!("* {name} joined"));
    let result = async {
        loop {
            // Both branches are cancel safe: `Lines` keeps a partial line
            // in its buffer, and a broadcast receiver loses nothing when a
            // `recv` is dropped.
            myrt::select! {
                line = lines.next() => match line {
                    Some(Ok(line)) => say(format!("{name}: {line}")),
                    _ => return Ok(()),
                },
                msg = rx.recv() => match msg {
                    Ok(m) if m.from == id => {}
                    Ok(m) => w.write_all(format!("{}\n", m.text).as_bytes()).await?,
                    Err(RecvError::Lagged(n)) => {
                        w.write_all(format!("* you missed {n} messages\n").as_bytes()).await?
                    }
                    Err(RecvError::Closed) => return Ok(()),
                },
            }
        }
    }
    .await;
    say(format!("* {name} left"));
    result
}
