//! `#[myrt::main]` waits for its non-daemon processes, as Python joins
//! them at interpreter exit.

use std::path::PathBuf;
use std::time::Duration;

use myrt::multiprocessing::Process;

fn marker() -> PathBuf {
    std::env::temp_dir().join(format!("myrt-mp-non-daemon-{}", std::process::id()))
}

/// Writes `path` after a while: it can only be there if the parent
/// waited (a runtime dropped earlier kills its children).
#[myrt::process_fn]
fn write_later(path: String) {
    std::thread::sleep(Duration::from_millis(200));
    std::fs::write(path, b"done").unwrap();
}

#[myrt::main(flavor = "current_thread")]
async fn program() {
    let path = marker().to_string_lossy().into_owned();
    let p = Process::new(write_later, (path,)).start().unwrap();
    // Not joined here: the handle is dropped with the body.
    drop(p);
}

#[test]
fn main_waits_for_its_non_daemon_processes() {
    // As `#[myrt::test]` would: workers re-run this test.
    myrt::process::__bootstrap_test(module_path!(), "main_waits_for_its_non_daemon_processes");
    let _ = std::fs::remove_file(marker());
    program();
    let written = std::fs::read(marker()).expect("main returned before its process ended");
    assert_eq!(written, b"done");
    std::fs::remove_file(marker()).unwrap();
}
