//! Sockets as servers need them: descriptors in and out (`AsFd`,
//! `AsRawFd`, `From<OwnedFd>`, `into_std`, socket2's `SockRef`), the
//! `TcpSocket` builder, and name resolution on the blocking pool.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::time::Duration;

use myrt::io::{AsyncReadExt, AsyncWriteExt};
use myrt::net::{
    lookup_host, TcpListener, TcpSocket, TcpStream, UdpSocket, UnixDatagram, UnixListener,
    UnixStream,
};
use socket2::SockRef;

#[myrt::test]
async fn socket2_sees_every_socket_and_descriptors_go_in_and_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let client = TcpStream::connect(addr).await.unwrap();
    let (server, _) = listener.accept().await.unwrap();

    // socket2 interop through AsFd.
    SockRef::from(&client).set_keepalive(true).unwrap();
    assert!(SockRef::from(&client).keepalive().unwrap());
    assert!(SockRef::from(&listener).reuse_address().unwrap());
    let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    SockRef::from(&udp).set_broadcast(true).unwrap();
    assert!(udp.broadcast().unwrap());
    let (ua, _ub) = UnixStream::pair().unwrap();
    assert_eq!(ua.as_fd().as_raw_fd(), ua.as_raw_fd());

    // Out as std, into an OwnedFd, back in: the connection survives.
    let fd: OwnedFd = client.into_std().unwrap().into();
    let mut client = TcpStream::from(fd);
    client.write_all(b"ping").await.unwrap();
    let mut server = server;
    let mut got = [0; 4];
    server.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"ping");

    // Listeners and datagram sockets too.
    let fd: OwnedFd = listener.into_std().unwrap().into();
    let listener = TcpListener::from(fd);
    assert_eq!(listener.local_addr().unwrap(), addr);
    let uaddr = udp.local_addr().unwrap();
    let udp = UdpSocket::from(OwnedFd::from(udp.into_std().unwrap()));
    assert_eq!(udp.local_addr().unwrap(), uaddr);
    let (da, db) = UnixDatagram::pair().unwrap();
    let da = UnixDatagram::from(OwnedFd::from(da.into_std().unwrap()));
    da.send(b"dgram").await.unwrap();
    let mut buf = [0; 8];
    assert_eq!(db.recv(&mut buf).await.unwrap(), 5);
    let dir = std::env::temp_dir().join(format!("myrt-net-sockets-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let ul = UnixListener::bind(dir.join("s")).unwrap();
    let ul = UnixListener::from(OwnedFd::from(ul.into_std().unwrap()));
    let _c = UnixStream::connect(dir.join("s")).await.unwrap();
    ul.accept().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[myrt::test]
async fn tcp_socket_sets_options_before_bind_listen_and_connect() {
    // Two listeners on one port with SO_REUSEPORT.
    let first = TcpSocket::new_v4().unwrap();
    first.set_reuseport(true).unwrap();
    first.set_reuseaddr(true).unwrap();
    first.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = first.local_addr().unwrap();
    assert!(first.reuseport().unwrap() && first.reuseaddr().unwrap());
    let second = TcpSocket::for_addr(addr).unwrap();
    second.set_reuseport(true).unwrap();
    second.bind(addr).unwrap();
    let (l1, l2) = (first.listen(128).unwrap(), second.listen(128).unwrap());
    assert_eq!(l1.local_addr().unwrap(), l2.local_addr().unwrap());

    // Without SO_REUSEPORT the same bind fails.
    let third = TcpSocket::new_v4().unwrap();
    assert!(third.bind(addr).is_err());

    let client = TcpSocket::new_v4().unwrap();
    client.set_nodelay(true).unwrap();
    client.set_keepalive(true).unwrap();
    client.set_linger(Some(Duration::from_secs(1))).unwrap();
    client.set_send_buffer_size(64 * 1024).unwrap();
    client.set_recv_buffer_size(64 * 1024).unwrap();
    assert!(client.nodelay().unwrap() && client.keepalive().unwrap());
    assert_eq!(client.linger().unwrap(), Some(Duration::from_secs(1)));
    // The kernel doubles the size it is given.
    assert!(client.send_buffer_size().unwrap() >= 64 * 1024);
    assert!(client.recv_buffer_size().unwrap() >= 64 * 1024);
    let mut stream = client.connect(addr).await.unwrap();
    assert!(stream.nodelay().unwrap());
    stream.write_all(b"x").await.unwrap();

    // Refused: a clear error, not a hang.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    };
    let err = TcpSocket::new_v4()
        .unwrap()
        .connect(closed)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[myrt::test]
async fn host_names_resolve_on_the_blocking_pool() {
    let addrs: Vec<_> = lookup_host("localhost:4321").await.unwrap().collect();
    assert!(!addrs.is_empty());
    assert!(
        addrs
            .iter()
            .all(|a| a.port() == 4321 && a.ip().is_loopback()),
        "{addrs:?}"
    );
    let addrs: Vec<_> = lookup_host(("localhost", 7)).await.unwrap().collect();
    assert!(addrs.iter().all(|a| a.port() == 7));
    // Numbers never reach the resolver.
    let addrs: Vec<_> = lookup_host("10.1.2.3:9").await.unwrap().collect();
    assert_eq!(addrs, ["10.1.2.3:9".parse().unwrap()]);
    assert!(lookup_host("no-such-host.invalid:80").await.is_err());
    assert!(lookup_host("missing-port").await.is_err());

    // connect and bind with a host name.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let stream = TcpStream::connect(format!("localhost:{port}")).await;
    // `localhost` may resolve to ::1 first: connect tries each address.
    let stream = stream.unwrap();
    assert_eq!(stream.peer_addr().unwrap().port(), port);
    let udp = UdpSocket::bind(("localhost", 0)).await.unwrap();
    assert!(udp.local_addr().unwrap().ip().is_loopback());
}
