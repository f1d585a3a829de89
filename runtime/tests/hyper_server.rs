//! `myrt::hyper`: hyper's client and server on myrt streams with no glue,
//! HTTP/1 and HTTP/2 on one listener, graceful shutdown and its grace
//! period, the timer, and the `FuturesIo` wrapper.
#![cfg(feature = "hyper")]

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use myrt::hyper::{FuturesIo, MyrtExecutor, Server};
use myrt::io::{AsyncReadExt, AsyncWriteExt};
use myrt::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use myrt::sync::Event;

/// Every byte of a body.
async fn collect<B>(mut body: B) -> Vec<u8>
where
    B: Body + Unpin,
    B::Error: std::fmt::Debug,
    B::Data: bytes::Buf,
{
    use bytes::Buf;
    let mut out = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        if let Ok(mut data) = frame.unwrap().into_data() {
            while data.has_remaining() {
                let n = data.chunk().len();
                out.extend_from_slice(data.chunk());
                data.advance(n);
            }
        }
    }
    out
}

/// `GET` says hello; `POST` echoes the body's length and its bytes.
async fn service(req: Request<Incoming>) -> Result<Response<String>, Infallible> {
    if req.method() == hyper::Method::POST {
        let body = collect(req.into_body()).await;
        let ok = body.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8);
        return Ok(Response::new(format!("{} {ok}", body.len())));
    }
    Ok(Response::new(format!("hello {}", req.uri().path())))
}

async fn get_http1<I>(io: I, path: &str) -> String
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut send, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
    myrt::spawn(conn);
    let req = Request::get(path)
        .header("host", "test")
        .body(String::new())
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    String::from_utf8(collect(resp.into_body()).await).unwrap()
}

#[myrt::test]
async fn http1_and_http2_on_one_listener_with_hypers_own_client() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server =
        myrt::spawn(async move { Server::new().serve(listener, service_fn(service)).await });

    // HTTP/1 over a plain myrt TcpStream: no wrapper.
    let io = TcpStream::connect(addr).await.unwrap();
    assert_eq!(get_http1(io, "/one").await, "hello /one");

    // HTTP/2 with prior knowledge, on the same port.
    let io = TcpStream::connect(addr).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http2::handshake(MyrtExecutor::new(), io)
        .await
        .unwrap();
    myrt::spawn(conn);
    let mut answers = Vec::new();
    for i in 0..3 {
        let req = Request::get(format!("http://test/h2/{i}"))
            .body(String::new())
            .unwrap();
        let resp = send.send_request(req).await.unwrap();
        assert_eq!(resp.version(), hyper::Version::HTTP_2);
        answers.push(String::from_utf8(collect(resp.into_body()).await).unwrap());
    }
    assert_eq!(answers, ["hello /h2/0", "hello /h2/1", "hello /h2/2"]);

    // A 1 MiB body through the read-into-uninitialised path, both ways.
    let body: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    let io = TcpStream::connect(addr).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
    myrt::spawn(conn);
    let req = Request::post("/echo")
        .header("host", "test")
        .body(BytesBody(Some(body)))
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    assert_eq!(
        String::from_utf8(collect(resp.into_body()).await).unwrap(),
        "1048576 true"
    );
    server.abort();
}

/// A request body of owned bytes.
struct BytesBody(Option<Vec<u8>>);

impl Body for BytesBody {
    type Data = std::io::Cursor<Vec<u8>>;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Infallible>>> {
        std::task::Poll::Ready(
            self.get_mut()
                .0
                .take()
                .map(|v| Ok(hyper::body::Frame::data(std::io::Cursor::new(v)))),
        )
    }
}

#[myrt::test]
async fn unix_sockets_and_the_futures_io_wrapper_serve_too() {
    let dir = std::env::temp_dir().join(format!("myrt-hyper-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sock");
    let listener = UnixListener::bind(&path).unwrap();
    let server = myrt::spawn(async move {
        Server::new()
            .http1_only()
            .serve(listener, service_fn(service))
            .await
    });
    let io = UnixStream::connect(&path).await.unwrap();
    assert_eq!(get_http1(io, "/unix").await, "hello /unix");
    // The futures-io wrapper (the zeroing path) on the client side.
    let io = FuturesIo::new(UnixStream::connect(&path).await.unwrap());
    assert_eq!(get_http1(io, "/wrapped").await, "hello /wrapped");
    server.abort();

    // And on the server side, a connection served by hand.
    let (a, b) = UnixStream::pair().unwrap();
    let conn = Server::new().serve_connection(FuturesIo::new(a), service_fn(service));
    myrt::spawn(conn);
    assert_eq!(get_http1(b, "/pair").await, "hello /pair");
    let _ = std::fs::remove_dir_all(&dir);
}

#[myrt::test]
async fn graceful_shutdown_finishes_requests_in_flight_and_stops_accepting() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let entered = Arc::new(Event::new());
    let release = Arc::new(Event::new());
    let stop = Arc::new(Event::new());
    let svc = {
        let (entered, release) = (Arc::clone(&entered), Arc::clone(&release));
        service_fn(move |_req: Request<Incoming>| {
            let (entered, release) = (Arc::clone(&entered), Arc::clone(&release));
            async move {
                entered.set();
                release.wait().await;
                Ok::<_, Infallible>(Response::new("slow done".to_owned()))
            }
        })
    };
    let server = myrt::spawn({
        let stop = Arc::clone(&stop);
        async move {
            Server::new()
                .serve_with_shutdown(listener, svc, async move { stop.wait().await })
                .await
        }
    });
    let client = myrt::spawn(async move {
        let io = TcpStream::connect(addr).await.unwrap();
        get_http1(io, "/slow").await
    });
    entered.wait().await;
    stop.set();
    // The request in flight still gets its answer.
    release.set();
    assert_eq!(client.await.unwrap(), "slow done");
    let report = server.await.unwrap().unwrap();
    assert_eq!((report.finished, report.aborted), (1, 0));
    // The listener is gone: nobody accepts any more.
    assert!(TcpStream::connect(addr).await.is_err());
}

#[myrt::test]
async fn the_grace_period_aborts_what_does_not_finish() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let entered = Arc::new(Event::new());
    let stop = Arc::new(Event::new());
    let svc = {
        let entered = Arc::clone(&entered);
        service_fn(move |_req: Request<Incoming>| {
            let entered = Arc::clone(&entered);
            async move {
                entered.set();
                std::future::pending::<()>().await;
                Ok::<_, Infallible>(Response::new(String::new()))
            }
        })
    };
    let server = myrt::spawn({
        let stop = Arc::clone(&stop);
        async move {
            Server::new()
                .grace_period(Duration::from_millis(50))
                .serve_with_shutdown(listener, svc, async move { stop.wait().await })
                .await
        }
    });
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: t\r\n\r\n")
        .await
        .unwrap();
    entered.wait().await;
    stop.set();
    let report = server.await.unwrap().unwrap();
    assert_eq!((report.finished, report.aborted), (0, 1));
    // The aborted connection is closed, not left hanging.
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest).await;
    assert!(rest.is_empty(), "{rest:?}");
}

#[myrt::test]
async fn the_timer_closes_connections_that_never_finish_their_headers() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut server = Server::new().http1_only();
    server
        .http1()
        .header_read_timeout(Duration::from_millis(50));
    let task = myrt::spawn(async move { server.serve(listener, service_fn(service)).await });
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\nhost:").await.unwrap();
    // hyper's MyrtTimer-driven timeout closes the connection (it may
    // first answer 408).
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest).await;
    let text = String::from_utf8_lossy(&rest);
    assert!(
        rest.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
    task.abort();
}

#[myrt::test]
async fn streams_read_into_uninitialised_buffers() {
    let (a, b) = UnixStream::pair().unwrap();
    (&a).write_all(b"hello world").await.unwrap();
    let mut v = Vec::new();
    let n = b.read_buf(&mut v).await.unwrap();
    assert_eq!(&v[..n], b"hello world");
    (&a).write_all(b"!").await.unwrap();
    b.readable().await.unwrap();
    let mut storage = [std::mem::MaybeUninit::uninit(); 4];
    let mut buf = myrt::io::ReadBuf::uninit(&mut storage);
    buf.put_slice(b"ab");
    loop {
        match b.try_read_buf(&mut buf) {
            Ok(n) => {
                assert_eq!(n, 1);
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => b.readable().await.unwrap(),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(buf.filled(), b"ab!");
    drop(a);
    assert_eq!(b.read_buf(&mut v).await.unwrap(), 0);
}

#[myrt::test]
async fn a_connection_that_never_speaks_is_closed_after_the_detect_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::new().detect_timeout(Duration::from_millis(50));
    let task = myrt::spawn(async move { server.serve(listener, service_fn(service)).await });
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let mut rest = Vec::new();
    // Closed by the server, not left open forever.
    assert_eq!(silent.read_to_end(&mut rest).await.unwrap(), 0);
    assert!(rest.is_empty());
    task.abort();
}
