//! A web crawler in the asyncio style: each round fetches every page
//! found in the last one concurrently with [`myrt::task::gather`] (no
//! tasks spawned), a [`Semaphore`] bounding how many fetches are in flight,
//! until no new page turns up. Errors stay in their slot, like
//! `gather(..., return_exceptions=True)`: a missing page is reported as a
//! broken link and the crawl goes on.
//!
//! A tiny line protocol stands in for HTTP so the example needs no HTTP
//! client: the client sends a path and a newline, the server answers the
//! page (one `link /path` per line) or `404`, then closes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use myrt::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use myrt::net::{TcpListener, TcpStream};
use myrt::sync::Semaphore;

/// What a crawl found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Crawl {
    /// Every page fetched, with the links on it.
    pub pages: BTreeMap<String, Vec<String>>,
    /// Links whose fetch failed, with the error.
    pub broken: BTreeMap<String, String>,
    /// How many rounds of `gather` it took.
    pub rounds: usize,
}

/// Serves `site` (path → links on that page) on `listener` forever.
///
/// # Errors
///
/// Only an accept error ends the loop.
pub async fn serve_site(
    listener: TcpListener,
    site: Arc<HashMap<String, Vec<String>>>,
) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let site = site.clone();
        myrt::spawn(async move {
            let (r, mut w) = stream.into_split();
            let mut path = String::new();
            if BufReader::new(r).read_line(&mut path).await.is_err() {
                return;
            }
            let body = match site.get(path.trim()) {
                Some(links) => links.iter().map(|l| format!("link {l}\n")).collect(),
                None => "404\n".to_string(),
            };
            let _ = w.write_all(body.as_bytes()).await;
        });
    }
}

/// Fetches one page: its links, or an error for a 404 or a failed
/// connection.
///
/// # Errors
///
/// Connection errors, and `NotFound` for a missing page.
pub async fn fetch(addr: SocketAddr, path: &str) -> io::Result<Vec<String>> {
    let mut s = TcpStream::connect(addr).await?;
    s.write_all(format!("{path}\n").as_bytes()).await?;
    let mut body = String::new();
    s.read_to_string(&mut body).await?;
    if body.trim() == "404" {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("404 {path}"),
        ));
    }
    Ok(body
        .lines()
        .filter_map(|l| l.strip_prefix("link "))
        .map(str::to_string)
        .collect())
}

/// Crawls from `start`, at most `limit` fetches at a time.
pub async fn crawl(addr: SocketAddr, start: &str, limit: usize) -> Crawl {
    let permits = Semaphore::new(limit.max(1));
    let mut seen: BTreeSet<String> = BTreeSet::from([start.to_string()]);
    let mut frontier = vec![start.to_string()];
    let mut out = Crawl::default();
    while !frontier.is_empty() {
        out.rounds += 1;
        let permits = &permits;
        let results = myrt::task::gather(frontier.iter().map(|path| async move {
            let _permit = permits.acquire().await;
            fetch(addr, path).await
        }))
        .await;
        let mut next = Vec::new();
        for (path, result) in frontier.drain(..).zip(results) {
            match result {
                Ok(links) => {
                    for l in &links {
                        if seen.insert(l.clone()) {
                            next.push(l.clone());
                        }
                    }
                    out.pages.insert(path, links);
                }
                Err(e) => {
                    out.broken.insert(path, e.to_string());
                }
            }
        }
        frontier = next;
    }
    out
}
