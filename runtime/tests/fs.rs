//! `myrt::fs`: round trips through files and directories on both runtime
//! flavors, the File state machine (read-ahead, seeks, background writes
//! and their errors, drop with a write in flight) and the no-runtime error.

use std::future::{poll_fn, Future};
use std::io::{self, ErrorKind, SeekFrom};
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use myrt::fs::{self, File, OpenOptions};
use myrt::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, StreamExt};
use myrt::runtime::{Builder, NoRuntime, Runtime};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str, flavor: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "myrt-fs-{test}-{flavor}-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

fn current_thread() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

/// Runs `body` with a fresh directory on a multi-thread and on a
/// current-thread runtime from `make`.
fn on_both_with<F, Fut>(test: &str, make: fn(&str) -> Runtime, body: F)
where
    F: Fn(PathBuf) -> Fut,
    Fut: Future<Output = io::Result<()>>,
{
    for flavor in ["multi", "current"] {
        let dir = TempDir::new(test, flavor);
        let rt = make(flavor);
        if let Err(e) = rt.block_on(body(dir.0.clone())) {
            panic!("{test} on the {flavor} runtime: {e}");
        }
    }
}

fn on_both<F, Fut>(test: &str, body: F)
where
    F: Fn(PathBuf) -> Fut,
    Fut: Future<Output = io::Result<()>>,
{
    on_both_with(
        test,
        |flavor| match flavor {
            "multi" => multi_thread(),
            _ => current_thread(),
        },
        body,
    )
}

/// Bytes that differ from their neighbours, so an offset error shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn kind<T: std::fmt::Debug>(r: io::Result<T>) -> ErrorKind {
    r.expect_err("expected an error").kind()
}

#[test]
fn write_read_round_trip_and_metadata() {
    on_both("round-trip", |dir| async move {
        let p = dir.join("a.txt");
        assert!(!fs::try_exists(&p).await?);
        fs::write(&p, "hello, world").await?;
        assert!(fs::try_exists(&p).await?);
        assert_eq!(fs::read(&p).await?, b"hello, world");
        assert_eq!(fs::read_to_string(&p).await?, "hello, world");
        let meta = fs::metadata(&p).await?;
        assert!(meta.is_file());
        assert_eq!(meta.len(), 12);

        // A File's metadata counts the write it accepted.
        let mut f = File::create(dir.join("b")).await?;
        f.write_all(b"12345").await?;
        assert_eq!(f.metadata().await?.len(), 5);
        f.set_len(2).await?;
        assert_eq!(f.metadata().await?.len(), 2);
        f.sync_all().await?;
        f.sync_data().await?;
        drop(f);
        assert_eq!(fs::read(dir.join("b")).await?, b"12");
        Ok(())
    });
}

#[test]
fn append_and_create_new_via_open_options() {
    on_both("append", |dir| async move {
        let p = dir.join("log");
        for line in ["one\n", "two\n", "three\n"] {
            let mut f = OpenOptions::new()
                .append(true)
                .create(true)
                .open(&p)
                .await?;
            f.write_all(line.as_bytes()).await?;
            f.close().await?;
        }
        assert_eq!(fs::read_to_string(&p).await?, "one\ntwo\nthree\n");

        // Appending goes to the end even after seeking to the start.
        let mut f = File::options().append(true).open(&p).await?;
        f.seek(SeekFrom::Start(0)).await?;
        f.write_all(b"four\n").await?;
        f.flush().await?;
        assert_eq!(fs::read_to_string(&p).await?, "one\ntwo\nthree\nfour\n");

        assert_eq!(kind(File::create_new(&p).await), ErrorKind::AlreadyExists);
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        assert_eq!(kind(opts.open(&p).await), ErrorKind::AlreadyExists);
        let mut f = opts.open(dir.join("fresh")).await?;
        f.write_all(b"x").await?;
        f.flush().await?;
        assert_eq!(fs::read(dir.join("fresh")).await?, b"x");
        Ok(())
    });
}

#[test]
fn seek_discards_the_read_ahead() {
    on_both("seek", |dir| async move {
        let data = pattern(1000);
        let p = dir.join("data");
        fs::write(&p, &data).await?;

        let mut f = File::open(&p).await?;
        let mut buf = [0u8; 10];
        f.read_exact(&mut buf).await?;
        assert_eq!(buf[..], data[..10]);
        // The first read fetched far more than 10 bytes; positions count
        // from the last byte read.
        assert_eq!(f.stream_position().await?, 10);
        assert_eq!(f.seek(SeekFrom::Current(5)).await?, 15);
        f.read_exact(&mut buf[..1]).await?;
        assert_eq!(buf[0], data[15]);
        assert_eq!(f.seek(SeekFrom::Current(-6)).await?, 10);
        f.read_exact(&mut buf[..3]).await?;
        assert_eq!(buf[..3], data[10..13]);
        assert_eq!(f.seek(SeekFrom::Start(500)).await?, 500);
        f.read_exact(&mut buf).await?;
        assert_eq!(buf[..], data[500..510]);
        assert_eq!(f.seek(SeekFrom::End(-3)).await?, 997);
        let mut tail = Vec::new();
        f.read_to_end(&mut tail).await?;
        assert_eq!(tail, data[997..]);
        // Reading at the end gives 0, again and again.
        assert_eq!(f.read(&mut buf).await?, 0);
        assert_eq!(f.read(&mut buf).await?, 0);
        // Seeking before the start fails, and the position stays.
        assert_eq!(
            kind(f.seek(SeekFrom::Current(-5000)).await),
            ErrorKind::InvalidInput
        );
        assert_eq!(f.stream_position().await?, 1000);
        Ok(())
    });
}

#[test]
fn a_write_after_a_read_lands_where_the_reader_stopped() {
    on_both("read-write", |dir| async move {
        let p = dir.join("rw");
        fs::write(&p, b"abcdefghij").await?;
        let mut f = OpenOptions::new().read(true).write(true).open(&p).await?;
        let mut buf = [0u8; 4];
        f.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"abcd");
        f.write_all(b"XY").await?;
        f.read_exact(&mut buf[..2]).await?;
        assert_eq!(&buf[..2], b"gh");
        f.flush().await?;
        assert_eq!(fs::read(&p).await?, b"abcdXYghij");

        // try_clone starts the clone where this File is, not where its
        // read-ahead got to.
        f.seek(SeekFrom::Start(1)).await?;
        f.read_exact(&mut buf[..1]).await?;
        let mut clone = f.try_clone().await?;
        clone.read_exact(&mut buf[..2]).await?;
        assert_eq!(&buf[..2], b"cd");
        drop(clone);
        // set_len moves no position.
        f.seek(SeekFrom::Start(4)).await?;
        f.read_exact(&mut buf[..1]).await?;
        f.set_len(8).await?;
        assert_eq!(f.stream_position().await?, 5);
        let mut rest = Vec::new();
        f.read_to_end(&mut rest).await?;
        assert_eq!(rest, b"Ygh");

        // into_std hands the file back at the logical position.
        f.seek(SeekFrom::Start(1)).await?;
        f.read_exact(&mut buf[..2]).await?;
        let mut std = f.into_std().await;
        assert_eq!(io::Seek::stream_position(&mut std)?, 3);
        let mut f = File::from_std(std);
        f.read_exact(&mut buf[..1]).await?;
        assert_eq!(buf[0], b'd');
        Ok(())
    });
}

#[test]
fn a_large_file_in_many_chunks() {
    on_both("large", |dir| async move {
        // Several 64 KiB chunks and a ragged end.
        let data = pattern(5 * 64 * 1024 + 12_345);
        let p = dir.join("big");
        let mut f = File::create(&p).await?;
        f.write_all(&data).await?;
        f.flush().await?;
        assert_eq!(f.metadata().await?.len(), data.len() as u64);
        drop(f);
        assert_eq!(fs::metadata(&p).await?.len(), data.len() as u64);
        assert!(fs::read(&p).await? == data);

        let mut f = File::open(&p).await?;
        let mut all = Vec::new();
        f.read_to_end(&mut all).await?;
        assert!(all == data);

        // Odd-sized reads across chunk boundaries.
        let mut f = File::open(&p).await?;
        let mut got = Vec::with_capacity(data.len());
        let mut buf = vec![0u8; 1000];
        loop {
            let n = f.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert!(got == data);

        // And a copy of it through io::copy.
        let mut from = File::open(&p).await?;
        let mut to = File::create(dir.join("big2")).await?;
        let n = myrt::io::copy(&mut from, &mut to).await?;
        to.flush().await?;
        assert_eq!(n, data.len() as u64);
        assert!(fs::read(dir.join("big2")).await? == data);
        Ok(())
    });
}

#[test]
fn read_dir_lists_every_entry() {
    on_both("read-dir", |dir| async move {
        // More entries than one batch.
        let mut want: Vec<String> = (0..70).map(|i| format!("f{i:02}")).collect();
        for (i, name) in want.iter().enumerate() {
            fs::write(dir.join(name), vec![b'x'; i]).await?;
        }
        fs::create_dir(dir.join("sub")).await?;
        want.push("sub".into());
        want.sort();

        let mut names = Vec::new();
        let mut entries = fs::read_dir(&dir).await?;
        while let Some(e) = entries.next_entry().await? {
            let name = e.file_name().into_string().unwrap();
            assert_eq!(e.path(), dir.join(&name));
            let ft = e.file_type().await?;
            if name == "sub" {
                assert!(ft.is_dir());
            } else {
                assert!(ft.is_file());
                let i: u64 = name[1..].parse().unwrap();
                assert_eq!(e.metadata().await?.len(), i);
            }
            names.push(name);
        }
        // Exhausted stays exhausted.
        assert!(entries.next_entry().await?.is_none());
        names.sort();
        assert_eq!(names, want);

        // The same through the Stream.
        let mut streamed: Vec<String> = fs::read_dir(&dir)
            .await?
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect()
            .await;
        streamed.sort();
        assert_eq!(streamed, want);
        Ok(())
    });
}

#[test]
fn rename_copy_link_and_remove() {
    on_both("rename-copy", |dir| async move {
        let a = dir.join("a");
        fs::write(&a, "contents").await?;
        assert_eq!(fs::copy(&a, dir.join("b")).await?, 8);
        assert_eq!(fs::read_to_string(dir.join("b")).await?, "contents");
        fs::rename(dir.join("b"), dir.join("c")).await?;
        assert!(!fs::try_exists(dir.join("b")).await?);
        assert_eq!(fs::read_to_string(dir.join("c")).await?, "contents");
        // rename replaces an existing file.
        fs::write(dir.join("d"), "old").await?;
        fs::rename(dir.join("c"), dir.join("d")).await?;
        assert_eq!(fs::read_to_string(dir.join("d")).await?, "contents");

        fs::hard_link(&a, dir.join("hard")).await?;
        fs::write(&a, "changed").await?;
        assert_eq!(fs::read_to_string(dir.join("hard")).await?, "changed");

        std::os::unix::fs::symlink("a", dir.join("sym"))?;
        assert_eq!(fs::read_link(dir.join("sym")).await?, Path::new("a"));
        assert!(fs::symlink_metadata(dir.join("sym")).await?.is_symlink());
        assert!(fs::metadata(dir.join("sym")).await?.is_file());
        assert_eq!(
            fs::canonicalize(dir.join("sym")).await?,
            std::fs::canonicalize(&a)?
        );

        use std::os::unix::fs::PermissionsExt;
        let mode = |m| fs::Permissions::from_mode(m);
        fs::set_permissions(&a, mode(0o400)).await?;
        assert_eq!(fs::metadata(&a).await?.permissions().mode() & 0o777, 0o400);
        File::open(&a).await?.set_permissions(mode(0o640)).await?;
        assert_eq!(fs::metadata(&a).await?.permissions().mode() & 0o777, 0o640);

        fs::remove_file(&a).await?;
        assert!(!fs::try_exists(&a).await?);
        fs::create_dir_all(dir.join("x/y/z")).await?;
        fs::create_dir_all(dir.join("x/y/z")).await?;
        fs::write(dir.join("x/y/z/f"), "").await?;
        assert_eq!(
            kind(fs::remove_dir(dir.join("x/y/z")).await),
            ErrorKind::DirectoryNotEmpty
        );
        fs::remove_file(dir.join("x/y/z/f")).await?;
        fs::remove_dir(dir.join("x/y/z")).await?;
        assert!(fs::try_exists(dir.join("x/y")).await?);
        fs::remove_dir_all(dir.join("x")).await?;
        assert!(!fs::try_exists(dir.join("x")).await?);
        Ok(())
    });
}

#[test]
fn missing_paths_give_the_right_error_kinds() {
    on_both("errors", |dir| async move {
        let none = dir.join("missing");
        assert_eq!(kind(fs::read(&none).await), ErrorKind::NotFound);
        assert_eq!(kind(fs::read_to_string(&none).await), ErrorKind::NotFound);
        assert_eq!(kind(fs::metadata(&none).await), ErrorKind::NotFound);
        assert_eq!(kind(fs::symlink_metadata(&none).await), ErrorKind::NotFound);
        assert_eq!(kind(File::open(&none).await), ErrorKind::NotFound);
        assert_eq!(kind(fs::read_dir(&none).await), ErrorKind::NotFound);
        assert_eq!(kind(fs::remove_file(&none).await), ErrorKind::NotFound);
        assert_eq!(kind(fs::remove_dir(&none).await), ErrorKind::NotFound);
        assert_eq!(kind(fs::remove_dir_all(&none).await), ErrorKind::NotFound);
        assert_eq!(
            kind(fs::rename(&none, dir.join("x")).await),
            ErrorKind::NotFound
        );
        assert_eq!(
            kind(fs::copy(&none, dir.join("x")).await),
            ErrorKind::NotFound
        );
        assert_eq!(kind(fs::canonicalize(&none).await), ErrorKind::NotFound);
        assert_eq!(kind(fs::read_link(&none).await), ErrorKind::NotFound);
        assert_eq!(
            kind(fs::write(none.join("deeper"), "x").await),
            ErrorKind::NotFound
        );
        assert_eq!(kind(fs::create_dir(&dir).await), ErrorKind::AlreadyExists);
        fs::write(dir.join("bin"), [0xff, 0xfe]).await?;
        assert_eq!(
            kind(fs::read_to_string(dir.join("bin")).await),
            ErrorKind::InvalidData
        );
        Ok(())
    });
}

#[test]
fn a_write_error_is_reported_by_flush_then_cleared() {
    on_both("write-error", |dir| async move {
        let p = dir.join("ro");
        fs::write(&p, "original").await?;
        let mut f = File::open(&p).await?;
        // Accepted into the buffer; the background write fails (EBADF).
        assert_eq!(f.write(b"new").await?, 3);
        let e = f
            .flush()
            .await
            .expect_err("flush must report the failed write");
        assert_eq!(e.raw_os_error(), Some(libc::EBADF));
        // Reported once.
        f.flush().await?;

        // Or by the next operation, here a read.
        assert_eq!(f.write(b"new").await?, 3);
        let mut buf = [0u8; 8];
        let e = f
            .read(&mut buf)
            .await
            .expect_err("the read reports the write");
        assert_eq!(e.raw_os_error(), Some(libc::EBADF));
        assert_eq!(f.read(&mut buf).await?, 8);
        assert_eq!(&buf, b"original");

        // Or by close.
        f.write_all(b"x").await?;
        assert_eq!(
            f.close().await.unwrap_err().raw_os_error(),
            Some(libc::EBADF)
        );
        assert_eq!(fs::read(&p).await?, b"original");
        Ok(())
    });
}

#[test]
fn dropping_a_file_with_a_write_in_flight_keeps_the_write() {
    // One blocking thread runs jobs in order, so the read below runs after
    // the write the dropped File left behind, whatever the timing.
    on_both_with(
        "drop-write",
        |flavor| {
            let b = match flavor {
                "multi" => Builder::new_multi_thread(),
                _ => Builder::new_current_thread(),
            };
            b.max_blocking_threads(1).build().unwrap()
        },
        |dir| async move {
            let data = pattern(3 * 64 * 1024 + 7);
            let p = dir.join("dropped");
            let mut f = File::create(&p).await?;
            f.write_all(&data).await?;
            drop(f);
            assert!(fs::read(&p).await? == data);

            let mut f = OpenOptions::new().append(true).open(&p).await?;
            assert_eq!(f.write(b"tail").await?, 4);
            drop(f);
            let back = fs::read(&p).await?;
            assert_eq!(back.len(), data.len() + 4);
            assert!(back.ends_with(b"tail"));
            Ok(())
        },
    );
}

/// Polls `fut` once with a waker that does nothing.
fn poll_once<F: Future>(fut: F) -> Poll<F::Output> {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    pin!(fut).poll(&mut cx)
}

#[test]
fn a_dropped_read_loses_no_bytes() {
    on_both("dropped-read", |dir| async move {
        let data = pattern(100_000);
        let p = dir.join("data");
        fs::write(&p, &data).await?;
        let mut f = File::open(&p).await?;
        let mut got = Vec::new();
        for _ in 0..5 {
            let mut buf = vec![0u8; 3000];
            // Start a read and drop it after one poll, whether or not its
            // job has finished.
            let first = {
                let mut read = pin!(f.read(&mut buf));
                poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await
            };
            if let Poll::Ready(n) = first {
                got.extend_from_slice(&buf[..n?]);
            }
        }
        f.read_to_end(&mut got).await?;
        assert!(got == data);
        Ok(())
    });
}

fn assert_no_runtime<T: std::fmt::Debug>(what: &str, p: Poll<io::Result<T>>) {
    match p {
        Poll::Ready(Err(e)) => {
            assert_eq!(e.kind(), ErrorKind::Other, "{what}");
            assert!(
                e.get_ref().is_some_and(|inner| inner.is::<NoRuntime>()),
                "{what}: {e:?}"
            );
        }
        other => panic!("{what}: expected the no-runtime error at once, got {other:?}"),
    }
}

#[test]
fn outside_a_runtime_every_call_fails_at_once() {
    let dir = TempDir::new("no-runtime", "none");
    let p = dir.0.join("f");
    std::fs::write(&p, "abc").unwrap();

    assert_no_runtime("read", poll_once(fs::read(&p)));
    assert_no_runtime("read_to_string", poll_once(fs::read_to_string(&p)));
    assert_no_runtime("write", poll_once(fs::write(&p, "x")));
    assert_no_runtime("metadata", poll_once(fs::metadata(&p)));
    assert_no_runtime("read_dir", poll_once(fs::read_dir(&dir.0)));
    assert_no_runtime(
        "create_dir_all",
        poll_once(fs::create_dir_all(dir.0.join("d"))),
    );
    assert_no_runtime("remove_file", poll_once(fs::remove_file(&p)));
    assert_no_runtime("try_exists", poll_once(fs::try_exists(&p)));
    assert_no_runtime("File::open", poll_once(File::open(&p)));
    assert_no_runtime(
        "OpenOptions::open",
        poll_once(OpenOptions::new().read(true).open(&p)),
    );
    // Nothing ran: the file is untouched.
    assert_eq!(std::fs::read(&p).unwrap(), b"abc");

    // A File made outside (or moved out of) a runtime.
    let mut f = File::from_std(std::fs::File::open(&p).unwrap());
    let mut buf = [0u8; 3];
    assert_no_runtime("File read", poll_once(f.read(&mut buf)));
    assert_no_runtime("File write", poll_once(f.write(b"x")));
    assert_no_runtime("File seek", poll_once(f.seek(SeekFrom::Start(1))));
    assert_no_runtime("File::metadata", poll_once(f.metadata()));
    assert_no_runtime("File::sync_all", poll_once(f.sync_all()));
    // Nothing in flight: flushing needs no job.
    assert!(matches!(poll_once(f.flush()), Poll::Ready(Ok(()))));
    // The file still works inside one, from where it was.
    current_thread().block_on(async {
        f.read_exact(&mut buf).await.unwrap();
    });
    assert_eq!(&buf, b"abc");

    // A listing that failed outside a runtime goes on inside one.
    let rt = current_thread();
    let mut entries = rt.block_on(fs::read_dir(&dir.0)).unwrap();
    assert_no_runtime("ReadDir::next_entry", poll_once(entries.next_entry()));
    let names = rt.block_on(async {
        let mut names = Vec::new();
        while let Some(e) = entries.next_entry().await.unwrap() {
            names.push(e.file_name());
        }
        names
    });
    assert_eq!(names, ["f"]);
}

#[test]
fn futures_and_files_are_send() {
    fn send<T: Send>(t: T) -> T {
        t
    }
    let dir = TempDir::new("send", "multi");
    let p = dir.0.join("f");
    let rt = multi_thread();
    rt.block_on(async {
        // Spawning needs Send futures: every kind of call, from a task.
        let p2 = p.clone();
        let task = myrt::spawn(async move {
            let mut f = send(File::create(&p2)).await?;
            send(f.write_all(b"abc")).await?;
            send(f.metadata()).await?;
            send(f.sync_all()).await?;
            send(f.try_clone()).await?;
            let f = send(f);
            let mut entries = send(fs::read_dir(p2.parent().unwrap())).await?;
            send(entries.next_entry()).await?;
            let _ = send(f.into_std()).await;
            io::Result::Ok(())
        });
        task.await.unwrap().unwrap();
    });
    assert_eq!(std::fs::read(&p).unwrap(), b"abc");
}
