//! `io::copy_bidirectional` as a TCP proxy, and `Interval` as a `Stream`.

use std::time::Duration;

use myrt::io::{copy_bidirectional, AsyncReadExt, AsyncWriteExt, StreamExt};
use myrt::net::{TcpListener, TcpStream};

#[myrt::test]
async fn a_proxy_copies_both_ways_and_passes_on_eof() {
    // Upstream: answers every byte with its upper case, then after EOF
    // sends a trailer and closes.
    let upstream = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let up_addr = upstream.local_addr().unwrap();
    myrt::spawn(async move {
        let (mut s, _) = upstream.accept().await.unwrap();
        let mut all = Vec::new();
        s.read_to_end(&mut all).await.unwrap();
        let answer: Vec<u8> = all.to_ascii_uppercase();
        s.write_all(&answer).await.unwrap();
        s.write_all(b"|end").await.unwrap();
    });
    let front = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let front_addr = front.local_addr().unwrap();
    let proxy = myrt::spawn(async move {
        let (mut client, _) = front.accept().await.unwrap();
        let mut up = TcpStream::connect(up_addr).await.unwrap();
        copy_bidirectional(&mut client, &mut up).await
    });

    let mut client = TcpStream::connect(front_addr).await.unwrap();
    let big = "abc".repeat(50_000);
    client.write_all(big.as_bytes()).await.unwrap();
    // Our EOF must reach upstream through the proxy, or it never answers.
    client.close().await.unwrap();
    let mut back = Vec::new();
    client.read_to_end(&mut back).await.unwrap();
    assert_eq!(back.len(), big.len() + 4);
    assert!(back.ends_with(b"|end"));
    assert_eq!(&back[..6], b"ABCABC");
    let (to_up, to_client) = proxy.await.unwrap().unwrap();
    assert_eq!((to_up, to_client), (big.len() as u64, big.len() as u64 + 4));
}

#[myrt::test]
async fn an_error_on_one_side_ends_the_copy() {
    let (mut a, peer_a) = myrt::net::UnixStream::pair().unwrap();
    let (mut b, peer_b) = myrt::net::UnixStream::pair().unwrap();
    // Nobody will read what reaches b's peer: close it, so writes fail.
    drop(peer_b);
    let copy = myrt::spawn(async move { copy_bidirectional(&mut a, &mut b).await });
    (&peer_a).write_all(b"into the void").await.unwrap();
    let err = copy.await.unwrap().unwrap_err();
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        ),
        "{err}"
    );
}

#[myrt::test]
async fn an_interval_is_a_stream_of_its_ticks() {
    let ticks: Vec<_> = myrt::time::interval(Duration::from_millis(2))
        .take(4)
        .collect()
        .await;
    assert_eq!(ticks.len(), 4);
    assert!(ticks
        .windows(2)
        .all(|w| w[1] - w[0] >= Duration::from_millis(2)));
}
