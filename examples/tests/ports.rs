//! The ported programs of `myrt_examples::ports`, each driven end to end.

use std::sync::{Arc, Mutex};

use myrt::io::{AsyncReadExt, AsyncWriteExt};
use myrt::net::{TcpListener, TcpStream};
use myrt_examples::ports::{pipeline, proxy, request_id};

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_forwards_both_ways_and_passes_end_of_stream_on() {
    // Upstream: echoes everything, then closes after the client's EOF.
    let upstream = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let up_addr = upstream.local_addr().unwrap();
    myrt::spawn(async move {
        while let Ok((mut s, _)) = upstream.accept().await {
            myrt::spawn(async move {
                let mut buf = Vec::new();
                s.read_to_end(&mut buf).await.unwrap();
                s.write_all(&buf).await.unwrap();
                s.write_all(b"|end").await.unwrap();
            });
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, mut rx) = myrt::sync::mpsc::unbounded_channel();
    myrt::spawn(proxy::proxy(listener, up_addr, Some(tx)));

    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"hello proxy").await.unwrap();
    c.shutdown(std::net::Shutdown::Write).unwrap();
    let mut back = Vec::new();
    c.read_to_end(&mut back).await.unwrap();
    assert_eq!(back, b"hello proxy|end");
    drop(c);
    let counts = rx.recv().await.unwrap().unwrap();
    assert_eq!(counts, (11, 15));
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn taskgroup_pipeline_processes_every_item_once() {
    let out = pipeline::pipeline((1..=50).filter(|&n| n != 13).collect(), 4)
        .await
        .unwrap();
    let want: Vec<u64> = (1..=50u64).filter(|&n| n != 13).map(|n| n * n).collect();
    assert_eq!(out, want);
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn taskgroup_pipeline_fails_as_a_group() {
    let err = pipeline::pipeline((1..=50).collect(), 4).await.unwrap_err();
    let failures = err.into_failures();
    assert!(
        failures
            .iter()
            .any(|f| matches!(f, myrt::task::TaskFailure::Failed(pipeline::BadItem(13)))),
        "{failures:?}"
    );
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_follow_each_request_and_nothing_else() {
    let sink: request_id::Sink = Arc::new(Mutex::new(Vec::new()));
    let out = request_id::serve(sink.clone(), 20).await;
    assert_eq!(out, (0..20).map(|n| n * 10).collect::<Vec<_>>());
    request_id::log(&sink, "after");
    let lines = sink.lock().unwrap().clone();
    // 1 start + 3 lookups + 1 audit + 1 done per request, then "after".
    assert_eq!(lines.len(), 20 * 6 + 1);
    for line in &lines[..lines.len() - 1] {
        // "[req-N] ... N ..." : the id and the request number agree.
        let (id, msg) = line.split_once("] ").unwrap();
        let n: u64 = id.trim_start_matches("[req-").parse().unwrap();
        let msg_n: u64 = msg.split(' ').nth(1).unwrap().parse().unwrap();
        assert_eq!(n, msg_n, "{line}");
    }
    assert_eq!(lines.last().unwrap(), "[-] after");
}

/// Reads one line (without the newline) from a chat/kv client.
async fn line<R: myrt::io::AsyncBufRead + Unpin>(r: &mut R) -> String {
    use myrt::io::AsyncBufReadExt;
    let mut s = String::new();
    r.read_line(&mut s).await.unwrap();
    s.trim_end().to_string()
}

type Client = (
    myrt::io::BufReader<myrt::net::tcp::OwnedReadHalf>,
    myrt::net::tcp::OwnedWriteHalf,
);

async fn chat_join(addr: std::net::SocketAddr, name: &str) -> Client {
    chat_join_with(TcpStream::connect(addr).await.unwrap(), name).await
}

async fn chat_join_with(stream: TcpStream, name: &str) -> Client {
    let (r, mut w) = stream.into_split();
    let mut r = myrt::io::BufReader::new(r);
    assert_eq!(line(&mut r).await, "name?");
    w.write_all(format!("{name}\n").as_bytes()).await.unwrap();
    assert_eq!(line(&mut r).await, format!("welcome {name}"));
    (r, w)
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_broadcasts_to_everyone_else() {
    use myrt_examples::ports::chat;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = myrt::spawn(chat::serve(listener));

    let (mut ann_r, mut ann_w) = chat_join(addr, "ann").await;
    let (mut bob_r, mut bob_w) = chat_join(addr, "bob").await;
    assert_eq!(line(&mut ann_r).await, "* bob joined");
    bob_w.write_all(b"hi ann\n").await.unwrap();
    assert_eq!(line(&mut ann_r).await, "bob: hi ann");
    ann_w.write_all(b"hi bob\n").await.unwrap();
    assert_eq!(line(&mut bob_r).await, "ann: hi bob");
    // Nobody hears their own lines: bob's next line is ann leaving.
    drop((ann_r, ann_w));
    assert_eq!(line(&mut bob_r).await, "* ann left");
    server.abort();
    assert!(server.await.unwrap_err().is_cancelled());
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_tells_a_slow_client_what_it_missed() {
    use myrt_examples::ports::chat;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = myrt::spawn(chat::serve(listener));
    // `slow` joins, then never reads; `fast` floods. Once `slow`'s socket
    // buffers are full its task stops receiving, falls behind by more
    // than the backlog, and is told how many it missed.
    // A small receive buffer (no autotuning) makes "full" come early.
    let sock = myrt::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let (mut slow_r, _slow_w) = chat_join_with(sock.connect(addr).await.unwrap(), "slow").await;
    let (_fast_r, mut fast_w) = chat_join(addr, "fast").await;
    assert_eq!(line(&mut slow_r).await, "* fast joined");
    let text = "x".repeat(1000);
    let flood = myrt::spawn(async move {
        for i in 0..20_000 {
            fast_w
                .write_all(format!("{i} {text}\n").as_bytes())
                .await
                .unwrap();
        }
        fast_w
    });
    let _fast_w = flood.await.unwrap();
    let mut missed = false;
    loop {
        let l = line(&mut slow_r).await;
        if l.starts_with("* you missed ") {
            missed = true;
            break;
        }
        assert!(l.starts_with("fast: "), "{l}");
        if l.starts_with("fast: 19999 ") {
            break;
        }
    }
    assert!(
        missed,
        "20 MB of lines against a 4 kB buffer and a backlog of 64"
    );
    server.abort();
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_server_serves_commands_and_shuts_down_gracefully() {
    use myrt_examples::ports::kv;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let db: kv::Db = Default::default();
    let stop = Arc::new(myrt::sync::Event::new());
    let s = stop.clone();
    let server = myrt::spawn(kv::serve(
        listener,
        db.clone(),
        async move { s.wait().await },
        std::time::Duration::from_secs(30),
    ));

    let (r, mut a) = TcpStream::connect(addr).await.unwrap().into_split();
    let mut a_r = myrt::io::BufReader::new(r);
    let (r, mut b) = TcpStream::connect(addr).await.unwrap().into_split();
    let mut b_r = myrt::io::BufReader::new(r);
    for (cmd, want) in [
        ("SET greeting hello world", "OK"),
        ("GET greeting", "hello world"),
        ("GET nothing", "NIL"),
        ("DEL greeting", "1"),
        ("DEL greeting", "0"),
        ("FLY away", "ERR unknown or malformed command \"FLY\""),
    ] {
        a.write_all(format!("{cmd}\n").as_bytes()).await.unwrap();
        assert_eq!(line(&mut a_r).await, want, "{cmd}");
    }
    // A second connection sees the first one's writes.
    a.write_all(b"SET k v\n").await.unwrap();
    assert_eq!(line(&mut a_r).await, "OK");
    b.write_all(b"GET k\n").await.unwrap();
    assert_eq!(line(&mut b_r).await, "v");

    stop.set();
    assert_eq!(line(&mut a_r).await, "BYE");
    assert_eq!(line(&mut b_r).await, "BYE");
    let report = server.await.unwrap().unwrap();
    assert_eq!(
        report,
        kv::Report {
            finished: 2,
            aborted: 0
        }
    );
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );
    assert_eq!(db.read().await.get("k").map(String::as_str), Some("v"));
}

#[myrt::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawler_gathers_every_reachable_page_and_reports_broken_links() {
    use myrt_examples::ports::crawler;
    use std::collections::HashMap;
    let site: HashMap<String, Vec<String>> = [
        ("/", vec!["/a", "/b"]),
        ("/a", vec!["/", "/c", "/missing"]),
        ("/b", vec!["/c"]),
        ("/c", vec!["/d"]),
        ("/d", vec![]),
        ("/unlinked", vec![]),
    ]
    .into_iter()
    .map(|(p, l)| (p.to_string(), l.into_iter().map(String::from).collect()))
    .collect();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = myrt::spawn(crawler::serve_site(listener, Arc::new(site)));

    let c = crawler::crawl(addr, "/", 2).await;
    let pages: Vec<&str> = c.pages.keys().map(String::as_str).collect();
    assert_eq!(pages, ["/", "/a", "/b", "/c", "/d"]);
    assert_eq!(c.pages["/a"], ["/", "/c", "/missing"]);
    assert_eq!(c.broken.keys().collect::<Vec<_>>(), ["/missing"]);
    assert!(c.broken["/missing"].contains("404"));
    // "/" → {/a, /b} → {/c, /missing} → {/d}
    assert_eq!(c.rounds, 4);
    server.abort();
}
