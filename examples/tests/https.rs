//! The `https_server` example's code: an HTTPS server and client on myrt
//! with rustls (tokio-rustls over the `tokio-io` feature) and hyper, a
//! certificate made in the test with rcgen; HTTP/2 and HTTP/1 by ALPN.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Buf;
use hyper::body::Body;
use hyper::Request;
use myrt::hyper::{MyrtExecutor, TokioIo};
use myrt::net::{TcpListener, TcpStream};
use myrt::sync::Event;
use myrt_examples::hyper_service::STREAM_LEN;
use myrt_examples::tls::{self_signed, serve_https};
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use tokio_rustls::TlsConnector;

async fn body_bytes<B>(mut body: B) -> Vec<u8>
where
    B: Body + Unpin,
    B::Error: std::fmt::Debug,
{
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

async fn connect(
    addr: std::net::SocketAddr,
    client: &Arc<ClientConfig>,
    alpn: &[&[u8]],
    name: &'static str,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let mut config = (**client).clone();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let tcp = TcpStream::connect(addr).await?;
    TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from(name).unwrap(), tcp)
        .await
}

type ServerTask = myrt::task::JoinHandle<std::io::Result<myrt::hyper::ShutdownReport>>;

/// An HTTPS server for `localhost` on a free port: its address, a client
/// configuration trusting it, the event that stops it, and its task.
async fn start() -> (
    std::net::SocketAddr,
    Arc<ClientConfig>,
    Arc<Event>,
    ServerTask,
) {
    let (server_config, client) = self_signed(&["localhost"]).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = Arc::new(Event::new());
    let server = myrt::spawn({
        let stop = Arc::clone(&stop);
        async move {
            let signal = async move { stop.wait().await };
            serve_https(listener, server_config, signal, Duration::from_secs(5)).await
        }
    });
    (addr, client, stop, server)
}

#[myrt::test]
async fn https_with_http2_and_http1_by_alpn() {
    let (addr, client, stop, server) = start().await;

    // HTTP/2 chosen by ALPN.
    let tls = connect(addr, &client, &[b"h2"], "localhost").await.unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut send, conn) =
        hyper::client::conn::http2::handshake(MyrtExecutor::new(), TokioIo::new(tls))
            .await
            .unwrap();
    let h2 = myrt::spawn(conn);
    let req = Request::get("https://localhost/tls")
        .body(String::new())
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    assert_eq!(body_bytes(resp.into_body()).await, b"secure HTTP/2.0\n");
    let req = Request::get("https://localhost/stream")
        .body(String::new())
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    assert_eq!(body_bytes(resp.into_body()).await.len(), STREAM_LEN);
    drop(send);
    let _ = h2.await;

    // HTTP/1.1 chosen by ALPN; a POST echoed through TLS.
    let tls = connect(addr, &client, &[b"http/1.1"], "localhost")
        .await
        .unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .unwrap();
    myrt::spawn(conn);
    let req = Request::post("/echo")
        .header("host", "localhost")
        .body("over tls".to_owned())
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    assert_eq!(body_bytes(resp.into_body()).await, b"over tls");

    stop.set();
    let report = server.await.unwrap().unwrap();
    assert_eq!(report.aborted, 0, "{report:?}");
}

#[myrt::test]
async fn the_client_refuses_a_certificate_for_another_name() {
    let (addr, client, stop, server) = start().await;
    let err = connect(addr, &client, &[b"h2"], "example.com")
        .await
        .unwrap_err();
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
    // A client that is not TLS at all gets nothing served, and the server
    // still answers a real client afterwards.
    let mut plain = TcpStream::connect(addr).await.unwrap();
    myrt::io::AsyncWriteExt::write_all(&mut plain, b"GET / HTTP/1.1\r\n\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let _ = myrt::io::AsyncReadExt::read_to_end(&mut plain, &mut rest).await;
    assert!(!rest.starts_with(b"HTTP/"), "{rest:?}");
    let tls = connect(addr, &client, &[b"http/1.1"], "localhost")
        .await
        .unwrap();
    assert!(tls.get_ref().1.alpn_protocol().is_some());
    drop(tls);
    stop.set();
    server.await.unwrap().unwrap();
}
