//! The worker side: what a re-executed binary does instead of its `main`.

use std::cell::{Cell, RefCell};
use std::io;
use std::os::unix::net::UnixStream;
use std::sync::Once;

use super::registry;
use super::wire::{self, CallError, FromWorker, RemotePanic, ToWorker};

/// The environment variable that marks a worker: `<parent pid>:<daemon>`.
pub(crate) const ENV: &str = "MYRT_WORKER";

thread_local! {
    /// Set while a registered function runs: its panic is captured for the
    /// parent instead of printed.
    static IN_CALL: Cell<bool> = const { Cell::new(false) };
    /// The location of the last captured panic.
    static LAST_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs the hook that records where a call panicked (once).
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_CALL.with(Cell::get) {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                LAST_LOCATION.with(|l| *l.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f` with panics captured for the parent (their location recorded
/// by the hook instead of a report printed).
pub(crate) fn capturing<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            IN_CALL.with(|c| c.set(self.0));
        }
    }
    let _reset = Reset(IN_CALL.with(|c| c.replace(true)));
    f()
}

/// Turns a panic caught (by `catch_unwind`, inside [`capturing`]) into
/// what the parent is sent.
pub(crate) fn remote_panic(payload: Box<dyn std::any::Any + Send>) -> RemotePanic {
    let message = match payload.downcast_ref::<&'static str>() {
        Some(s) => (*s).to_owned(),
        None => match payload.downcast_ref::<String>() {
            Some(s) => s.clone(),
            None => "Box<dyn Any>".to_owned(),
        },
    };
    // The payload may itself panic when dropped: keep that in the worker.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(payload)));
    RemotePanic {
        message,
        location: LAST_LOCATION.with(|l| l.borrow_mut().take()),
    }
}

/// Serves the parent until it says `Exit` or goes away; returns the exit
/// status. `spec` is the value of [`ENV`].
pub(crate) fn main(spec: &str) -> i32 {
    let (parent, daemon) = match spec.split_once(':') {
        Some((p, d)) => (p.parse::<u32>().ok(), d == "1"),
        None => (None, false),
    };
    if daemon {
        // Die with the parent; if it is gone already, the signal was missed.
        if crate::process::sys::set_parent_death_signal(libc::SIGKILL).is_err()
            || Some(std::os::unix::process::parent_id()) != parent
        {
            return 1;
        }
    }
    let channel = match crate::process::sys::take_stdin() {
        Ok(fd) => UnixStream::from(fd),
        Err(e) => {
            eprintln!("myrt worker: no channel to the parent on stdin: {e}");
            return 1;
        }
    };
    install_panic_hook();
    // An error: the parent went away mid-message; nobody is left to tell.
    serve(channel).unwrap_or(1)
}

/// The worker's loop: one call at a time, answered in order.
fn serve(channel: UnixStream) -> io::Result<i32> {
    use std::io::Write;
    // Pipelined calls arrive several per read.
    let mut reader = io::BufReader::with_capacity(64 * 1024, channel.try_clone()?);
    let mut channel = channel;
    let mut input = Vec::new();
    let mut output = Vec::new();
    let mut frames = Vec::new();
    let mut last: Option<&'static registry::Entry> = None;
    loop {
        if !wire::read_blocking(&mut reader, &mut input)? {
            channel.write_all(&frames)?;
            return Ok(0);
        }
        match wire::decode::<ToWorker<'_>>(&input)? {
            ToWorker::Exit { code } => {
                channel.write_all(&frames)?;
                return Ok(code);
            }
            ToWorker::Call {
                id,
                name,
                hash,
                batch,
            } => {
                output.clear();
                let entry = match last {
                    Some(e) if e.name() == name => Some(e),
                    _ => registry::by_name(name),
                };
                last = entry;
                let body = match entry {
                    None => Err(CallError::Unregistered(name.to_owned())),
                    Some(e) if e.hash() != hash => Err(CallError::Mismatch(name.to_owned())),
                    Some(e) => match e.run(batch, &mut output) {
                        Ok(()) => Ok(std::mem::take(&mut output)),
                        Err(why) => Err(CallError::Codec(why)),
                    },
                };
                let reply = FromWorker::Reply { id, body };
                if let Err(e) = wire::encode(&reply, &mut frames) {
                    // Too large to send: the call fails, the worker lives.
                    let why = format!("cannot send the results: {e}");
                    let failed = FromWorker::Reply {
                        id,
                        body: Err(CallError::Codec(why)),
                    };
                    wire::encode(&failed, &mut frames)?;
                }
                if let FromWorker::Reply { body: Ok(v), .. } = reply {
                    output = v;
                }
                // At once, never held back behind the next call: the parent
                // resends the calls it has no answer for when a worker
                // dies, so an answer held here would run a call twice.
                channel.write_all(&frames)?;
                frames.clear();
            }
        }
    }
}
