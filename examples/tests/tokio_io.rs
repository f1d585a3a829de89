//! The `tokio-io` feature: myrt streams implement tokio's `AsyncRead` and
//! `AsyncWrite` themselves, so tokio-util's codecs run on them unwrapped.

use futures_util::{SinkExt, StreamExt};
use myrt::net::{TcpListener, TcpStream, UnixStream};
use tokio_util::codec::{Framed, FramedRead, FramedWrite, LinesCodec};

#[myrt::test]
async fn a_framed_line_codec_over_a_myrt_tcp_stream() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // An upper-casing line server.
    let server = myrt::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut lines = Framed::new(stream, LinesCodec::new());
        let mut n = 0;
        while let Some(line) = lines.next().await {
            lines.send(line.unwrap().to_uppercase()).await.unwrap();
            n += 1;
        }
        n
    });
    let mut client = Framed::new(TcpStream::connect(addr).await.unwrap(), LinesCodec::new());
    for word in ["alpha", "beta", "a much longer line of text"] {
        client.send(word).await.unwrap();
        assert_eq!(client.next().await.unwrap().unwrap(), word.to_uppercase());
    }
    drop(client);
    assert_eq!(server.await.unwrap(), 3);
}

#[myrt::test]
async fn codecs_over_split_halves_and_unix_streams() {
    let (a, b) = UnixStream::pair().unwrap();
    let (r, w) = a.into_split();
    let mut tx = FramedWrite::new(w, LinesCodec::new());
    let mut rx = FramedRead::new(b, LinesCodec::new());
    let big = "x".repeat(100_000);
    tx.send(big.as_str()).await.unwrap();
    tx.send("end").await.unwrap();
    assert_eq!(rx.next().await.unwrap().unwrap(), big);
    assert_eq!(rx.next().await.unwrap().unwrap(), "end");
    drop(tx);
    drop(r);
    assert!(rx.next().await.is_none());
}
