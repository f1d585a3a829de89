//! The service of the `hyper_server` example: plain hyper, no runtime in
//! it, so the tokio twin in `benches/` serves exactly the same code.
//!
//! - `GET /` (any path but the two below): `hello\n`;
//! - `POST /echo`: the request body, streamed back as it arrives;
//! - `GET /stream`: 10 MiB in 64 KiB chunks.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::{Method, Request, Response};

/// The size of `GET /stream`'s body.
pub const STREAM_LEN: usize = 10 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// A response body of the service.
pub enum Reply {
    /// A whole body in one frame.
    Full(Option<Bytes>),
    /// The request body, passed through.
    Echo(Incoming),
    /// `left` more bytes of a repeated chunk.
    Stream {
        /// The chunk sent again and again (cheap clones).
        chunk: Bytes,
        /// Bytes still to send.
        left: usize,
    },
}

impl Body for Reply {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        match self.get_mut() {
            Reply::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Reply::Echo(incoming) => Pin::new(incoming).poll_frame(cx),
            Reply::Stream { chunk, left } => {
                if *left == 0 {
                    return Poll::Ready(None);
                }
                let n = (*left).min(chunk.len());
                *left -= n;
                Poll::Ready(Some(Ok(Frame::data(chunk.slice(..n)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Reply::Full(b) => b.is_none(),
            Reply::Echo(i) => i.is_end_stream(),
            Reply::Stream { left, .. } => *left == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Reply::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            Reply::Echo(i) => i.size_hint(),
            Reply::Stream { left, .. } => SizeHint::with_exact(*left as u64),
        }
    }
}

/// Answers one request (see the module's routes).
pub async fn handle(req: Request<Incoming>) -> Result<Response<Reply>, Infallible> {
    let reply = match (req.method(), req.uri().path()) {
        (&Method::POST, "/echo") => Reply::Echo(req.into_body()),
        (&Method::GET, "/stream") => Reply::Stream {
            chunk: Bytes::from(vec![b'x'; CHUNK]),
            left: STREAM_LEN,
        },
        _ => Reply::Full(Some(Bytes::from_static(b"hello\n"))),
    };
    Ok(Response::new(reply))
}
