//! TLS for the `https_server` example and its test: a self-signed
//! certificate made with rcgen, rustls configurations (ring provider) for
//! both ends, and an HTTPS accept loop on myrt (tokio-rustls over the
//! `tokio-io` feature, hyper over `myrt::hyper`).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use myrt::hyper::{GracefulShutdown, Server, ShutdownReport, TokioIo};
use myrt::net::TcpListener;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;

use crate::hyper_service::{handle, Reply};

/// A server and a client configuration sharing one self-signed
/// certificate for `names` (`localhost`, `127.0.0.1`...). The server
/// offers ALPN `h2` and `http/1.1`.
///
/// # Errors
///
/// Certificate generation or a rustls configuration failed.
pub fn self_signed(
    names: &[&str],
) -> Result<(Arc<ServerConfig>, Arc<ClientConfig>), Box<dyn std::error::Error>> {
    let names: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    let certified = rcgen::generate_simple_self_signed(names)?;
    let cert: CertificateDer<'static> = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)?;
    server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let mut roots = RootCertStore::empty();
    roots.add(cert)?;
    let client = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok((Arc::new(server), Arc::new(client)))
}

/// The HTTPS service: the routes of [`handle`], plus `/tls` answering
/// the protocol it was reached by.
async fn service(req: Request<Incoming>) -> Result<Response<Reply>, Infallible> {
    if req.uri().path() == "/tls" {
        let text = format!("secure {:?}\n", req.version());
        return Ok(Response::new(Reply::Full(Some(text.into()))));
    }
    handle(req).await
}

/// Serves HTTPS on `listener` until `signal`: each connection's TLS
/// handshake and HTTP (HTTP/2 when ALPN chose it, else HTTP/1) run in a
/// task of their own; then a graceful shutdown with `grace`.
///
/// # Errors
///
/// None today (accept errors are retried after 10 ms).
pub async fn serve_https(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    signal: impl Future<Output = ()>,
    grace: Duration,
) -> io::Result<ShutdownReport> {
    let acceptor = TlsAcceptor::from(config);
    let server = Arc::new(Server::new());
    let mut graceful = GracefulShutdown::new();
    let mut signal = std::pin::pin!(signal);
    loop {
        let accepted = std::future::poll_fn(|cx| {
            if signal.as_mut().poll(cx).is_ready() {
                return std::task::Poll::Ready(None);
            }
            listener.poll_accept(cx).map(Some)
        })
        .await;
        let tcp = match accepted {
            None => break,
            Some(Ok((tcp, _peer))) => tcp,
            Some(Err(_)) => {
                myrt::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let (acceptor, server) = (acceptor.clone(), Arc::clone(&server));
        graceful.spawn_after(async move {
            let tls = acceptor.accept(tcp).await.ok()?;
            Some(server.serve_connection(TokioIo::new(tls), service_fn(service)))
        });
    }
    drop(listener);
    Ok(graceful.shutdown(grace).await)
}
