//! Name resolution off the workers: [`ToSocketAddrs`] and [`lookup_host`].
//!
//! Addresses that are already numbers (a `SocketAddr`, `"127.0.0.1:80"`,
//! `("::1", 80)`) resolve on the spot; anything else is a host name, looked
//! up with the system resolver (`getaddrinfo`, which blocks) on the
//! runtime's blocking pool, so a slow DNS server never stalls a worker.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// What a host name lookup needs, owned, or the addresses already known.
#[doc(hidden)]
#[derive(Debug)]
pub enum Resolve {
    /// Numeric: no lookup.
    Ready(Vec<SocketAddr>),
    /// A `host:port` string to look up.
    Lookup(String),
    /// A host and a port to look up.
    HostPort(String, u16),
}

mod sealed {
    /// Keeps [`super::ToSocketAddrs`] to the types listed there.
    pub trait Sealed {}
}

/// Something that names socket addresses (std's `ToSocketAddrs`, for the
/// same types): a `SocketAddr` (v4, v6), `(IpAddr, u16)`, a slice of
/// addresses, `"host:port"` (`&str`, `String`) or `(host, port)`.
///
/// Unlike std's, resolving a host name never blocks the caller: it runs on
/// the blocking pool (see [`lookup_host`]).
pub trait ToSocketAddrs: sealed::Sealed {
    /// The addresses, or the lookup to make.
    #[doc(hidden)]
    fn __resolve(&self) -> io::Result<Resolve>;
}

macro_rules! ready_addr {
    ($($T:ty),+) => {$(
        impl sealed::Sealed for $T {}
        impl ToSocketAddrs for $T {
            fn __resolve(&self) -> io::Result<Resolve> {
                Ok(Resolve::Ready(std::net::ToSocketAddrs::to_socket_addrs(self)?.collect()))
            }
        }
    )+};
}

ready_addr!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16)
);

impl sealed::Sealed for [SocketAddr] {}
impl ToSocketAddrs for [SocketAddr] {
    fn __resolve(&self) -> io::Result<Resolve> {
        Ok(Resolve::Ready(self.to_vec()))
    }
}

impl<const N: usize> sealed::Sealed for [SocketAddr; N] {}
impl<const N: usize> ToSocketAddrs for [SocketAddr; N] {
    fn __resolve(&self) -> io::Result<Resolve> {
        Ok(Resolve::Ready(self.to_vec()))
    }
}

impl sealed::Sealed for str {}
impl ToSocketAddrs for str {
    fn __resolve(&self) -> io::Result<Resolve> {
        match self.parse::<SocketAddr>() {
            Ok(a) => Ok(Resolve::Ready(vec![a])),
            Err(_) => Ok(Resolve::Lookup(self.to_owned())),
        }
    }
}

impl sealed::Sealed for String {}
impl ToSocketAddrs for String {
    fn __resolve(&self) -> io::Result<Resolve> {
        self.as_str().__resolve()
    }
}

impl sealed::Sealed for (&str, u16) {}
impl ToSocketAddrs for (&str, u16) {
    fn __resolve(&self) -> io::Result<Resolve> {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => Ok(Resolve::Ready(vec![SocketAddr::new(ip, port)])),
            Err(_) => Ok(Resolve::HostPort(host.to_owned(), port)),
        }
    }
}

impl sealed::Sealed for (String, u16) {}
impl ToSocketAddrs for (String, u16) {
    fn __resolve(&self) -> io::Result<Resolve> {
        (self.0.as_str(), self.1).__resolve()
    }
}

impl<T: ToSocketAddrs + ?Sized> sealed::Sealed for &T {}
impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {
    fn __resolve(&self) -> io::Result<Resolve> {
        (**self).__resolve()
    }
}

/// The addresses `addr` names; a host name is looked up on the blocking
/// pool.
pub(crate) async fn resolve<A: ToSocketAddrs + ?Sized>(addr: &A) -> io::Result<Vec<SocketAddr>> {
    let addrs = match addr.__resolve()? {
        Resolve::Ready(v) => v,
        Resolve::Lookup(s) => {
            off_worker(move || std::net::ToSocketAddrs::to_socket_addrs(&s)).await?
        }
        Resolve::HostPort(h, p) => {
            off_worker(move || std::net::ToSocketAddrs::to_socket_addrs(&(h.as_str(), p))).await?
        }
    };
    if addrs.is_empty() {
        return Err(super::common::unresolved());
    }
    Ok(addrs)
}

async fn off_worker<I>(
    lookup: impl FnOnce() -> io::Result<I> + Send + 'static,
) -> io::Result<Vec<SocketAddr>>
where
    I: Iterator<Item = SocketAddr>,
{
    let job = crate::task::spawn_blocking(move || lookup().map(Iterator::collect));
    job.await
        .map_err(|e| io::Error::other(format!("the name lookup did not finish: {e}")))?
}

/// Resolves `host` (`"example.com:443"`, `("example.com", 443)` or an
/// address) to its socket addresses, with the system resolver on the
/// blocking pool (tokio `lookup_host`, asyncio `loop.getaddrinfo`).
///
/// # Errors
///
/// The resolver's error (an unknown host, say), `InvalidInput` for a name
/// that resolves to nothing, or a shut-down runtime.
///
/// # Cancel safety
///
/// Cancel safe: a lookup already started finishes on the pool and its
/// result is dropped.
///
/// # Examples
///
/// ```
/// myrt::run(async {
///     let addrs: Vec<_> = myrt::net::lookup_host("localhost:80").await.unwrap().collect();
///     assert!(addrs.iter().all(|a| a.port() == 80 && a.ip().is_loopback()));
/// });
/// ```
#[doc(alias("getaddrinfo"))]
pub async fn lookup_host<A: ToSocketAddrs>(
    host: A,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    resolve(&host).await.map(Vec::into_iter)
}
