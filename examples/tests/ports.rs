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
