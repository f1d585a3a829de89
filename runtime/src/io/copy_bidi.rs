//! [`copy_bidirectional`]: both directions of a proxy at once.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

/// One direction: a buffer read from one side and written to the other.
struct Transfer {
    buf: Box<[u8]>,
    /// `buf[pos..cap]` is read but not yet written.
    pos: usize,
    cap: usize,
    /// Bytes written so far.
    amt: u64,
    /// The reader reached EOF.
    eof: bool,
    /// EOF forwarded: the writer was flushed and closed.
    done: bool,
}

impl Transfer {
    fn new() -> Transfer {
        Transfer {
            buf: vec![0; 8 * 1024].into_boxed_slice(),
            pos: 0,
            cap: 0,
            amt: 0,
            eof: false,
            done: false,
        }
    }

    /// Moves bytes from `r` to `w` until it would wait; `Ready(Ok(()))`
    /// once `r`'s EOF has been passed on by closing `w`.
    fn poll<R, W>(&mut self, cx: &mut Context<'_>, r: &mut R, w: &mut W) -> Poll<io::Result<()>>
    where
        R: AsyncRead + Unpin + ?Sized,
        W: AsyncWrite + Unpin + ?Sized,
    {
        while !self.done {
            if self.pos == self.cap && !self.eof {
                match Pin::new(&mut *r).poll_read(cx, &mut self.buf) {
                    Poll::Ready(Ok(0)) => self.eof = true,
                    Poll::Ready(Ok(n)) => {
                        self.pos = 0;
                        self.cap = n;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {
                        // Nothing to write while waiting: make sure what was
                        // written is on its way.
                        if self.amt > 0 {
                            let _ = Pin::new(&mut *w).poll_flush(cx)?;
                        }
                        return Poll::Pending;
                    }
                }
            }
            while self.pos < self.cap {
                match Pin::new(&mut *w).poll_write(cx, &self.buf[self.pos..self.cap]) {
                    Poll::Ready(Ok(0)) => {
                        return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                    }
                    Poll::Ready(Ok(n)) => {
                        self.pos += n;
                        self.amt += n as u64;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            if self.eof {
                match Pin::new(&mut *w).poll_close(cx) {
                    Poll::Ready(Ok(())) => self.done = true,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// Copies `a` to `b` and `b` to `a` at the same time until both reach EOF
/// (tokio `io::copy_bidirectional`; asyncio has none, a proxy runs two
/// `reader.read` / `writer.write` loops): when one side's reading ends,
/// the other side's writing is closed (shut down, for sockets), and the
/// copy goes on in the other direction. Returns the bytes copied
/// `(a to b, b to a)`.
///
/// # Errors
///
/// The first I/O error of either side; the copy stops there.
///
/// # Cancel safety
///
/// Not cancel safe: bytes read but not yet written (up to 8 KiB each way)
/// are lost when the future is dropped.
///
/// # Examples
///
/// ```no_run
/// use myrt::net::{TcpListener, TcpStream};
///
/// myrt::run(async {
///     // A TCP proxy from :8000 to :9000.
///     let listener = TcpListener::bind("127.0.0.1:8000").await.unwrap();
///     loop {
///         let (mut client, _) = listener.accept().await.unwrap();
///         myrt::spawn(async move {
///             let mut upstream = TcpStream::connect("127.0.0.1:9000").await?;
///             myrt::io::copy_bidirectional(&mut client, &mut upstream).await
///         });
///     }
/// });
/// ```
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let mut a_to_b = Transfer::new();
    let mut b_to_a = Transfer::new();
    poll_fn(|cx| {
        let ab = a_to_b.poll(cx, a, b)?;
        let ba = b_to_a.poll(cx, b, a)?;
        if ab.is_ready() && ba.is_ready() {
            Poll::Ready(Ok((a_to_b.amt, b_to_a.amt)))
        } else {
            Poll::Pending
        }
    })
    .await
}
