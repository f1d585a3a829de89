//! An asyncio-style crawler on myrt: each round fetches the pages found
//! in the last one with `task::gather`, at most 4 at a time, over a local
//! site (a line protocol standing in for HTTP).
//!
//! ```text
//! cargo run --example crawler
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use myrt::net::TcpListener;
use myrt_examples::ports::crawler;

#[myrt::main]
async fn main() -> std::io::Result<()> {
    // A site of 40 pages: page n links to 2n and 2n+1, and page 7 to a
    // page that does not exist.
    let mut site: HashMap<String, Vec<String>> = HashMap::new();
    for n in 1..=40u32 {
        let mut links: Vec<String> = [2 * n, 2 * n + 1]
            .into_iter()
            .filter(|&m| m <= 40)
            .map(|m| format!("/{m}"))
            .collect();
        if n == 7 {
            links.push("/gone".to_string());
        }
        site.insert(format!("/{n}"), links);
    }
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    myrt::spawn(crawler::serve_site(listener, Arc::new(site)));
    let c = crawler::crawl(addr, "/1", 4).await;
    println!(
        "{} pages in {} rounds; broken: {:?}",
        c.pages.len(),
        c.rounds,
        c.broken.keys().collect::<Vec<_>>()
    );
    Ok(())
}
