//! The current-thread scheduler: tasks run on the thread inside
//! `block_on`. Wake-ups from other threads go to a locked injector and
//! unpark the driver the `block_on` thread sleeps on.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::queue::Inject;
use super::Common;
use crate::loom::{lock, AtomicBool, Mutex, Ordering::*};
use crate::task::{Notified, RawTask, Schedule};

/// Tasks polled between looks at the injector and the driver.
const EVENT_INTERVAL: u32 = 61;

pub(crate) struct Shared {
    pub(crate) common: Common,
    inject: Inject,
    shutdown: AtomicBool,
    /// The local queue, while no `block_on` has it.
    core: Mutex<Option<Box<Core>>>,
}

struct Core {
    local: VecDeque<Notified>,
    tick: u32,
}

thread_local! {
    static CORE: RefCell<Option<(Arc<Shared>, Box<Core>)>> = const { RefCell::new(None) };
}

impl Shared {
    pub(crate) fn new(common: Common) -> Arc<Shared> {
        Arc::new(Shared {
            common,
            inject: Inject::new(),
            shutdown: AtomicBool::new(false),
            core: Mutex::new(Some(Box::new(Core {
                local: VecDeque::new(),
                tick: 0,
            }))),
        })
    }

    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.store(true, SeqCst);
        self.common.park.unpark();
    }

    pub(crate) fn drain(&self) {
        while let Some(t) = self.inject.pop() {
            drop(t);
        }
        let core = lock(&self.core).take();
        drop(core);
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified, _yielded: bool) {
        if self.shutdown.load(Relaxed) {
            drop(task);
            return;
        }
        let task = CORE.with(|c| {
            let Ok(mut c) = c.try_borrow_mut() else {
                return Some(task);
            };
            match c.as_mut() {
                Some((shared, core)) if Arc::ptr_eq(shared, self) => {
                    core.local.push_back(task);
                    None
                }
                _ => Some(task),
            }
        });
        if let Some(task) = task {
            self.inject.push(task);
            self.common.park.unpark();
        }
    }

    fn release(&self, task: RawTask) -> bool {
        self.common.registry.remove(task)
    }
}

struct MainWaker {
    woken: AtomicBool,
    shared: Arc<Shared>,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Release);
        self.shared.common.park.unpark();
    }
}

pub(crate) fn block_on<F: Future>(shared: &Arc<Shared>, future: F) -> F::Output {
    let Some(core) = lock(&shared.core).take() else {
        // Another thread is driving this runtime's tasks: just wait here.
        return super::park_thread_block_on(future);
    };
    CORE.with(|c| *c.borrow_mut() = Some((shared.clone(), core)));
    // Put the core back even if the future panics.
    struct Restore<'a>(&'a Arc<Shared>);
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            if let Some((_, core)) = CORE.with(|c| c.borrow_mut().take()) {
                *lock(&self.0.core) = Some(core);
            }
        }
    }
    let _restore = Restore(shared);

    let mut future = std::pin::pin!(future);
    let main = Arc::new(MainWaker {
        woken: AtomicBool::new(true),
        shared: shared.clone(),
    });
    let waker = Waker::from(main.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        if main.woken.swap(false, AcqRel) {
            if let Poll::Ready(v) = crate::coop::budgeted(|| future.as_mut().poll(&mut cx)) {
                return v;
            }
        }
        let mut ran = 0;
        while ran < EVENT_INTERVAL {
            if shared.shutdown.load(Relaxed) {
                break;
            }
            let next = CORE.with(|c| {
                let mut c = c.borrow_mut();
                let (_, core) = c.as_mut().expect("core present in block_on");
                core.tick = core.tick.wrapping_add(1);
                if core.tick % EVENT_INTERVAL == 0 {
                    if let Some(t) = shared.inject.pop() {
                        return Some(t);
                    }
                }
                core.local.pop_front().or_else(|| shared.inject.pop())
            });
            let Some(task) = next else { break };
            crate::coop::budgeted(|| task.run());
            ran += 1;
            if main.woken.load(Relaxed) {
                break;
            }
        }
        if main.woken.load(Acquire) {
            continue;
        }
        let idle = ran < EVENT_INTERVAL
            && CORE.with(|c| {
                c.borrow()
                    .as_ref()
                    .is_some_and(|(_, core)| core.local.is_empty())
            })
            && shared.inject.is_empty();
        if idle {
            shared.common.park.park(None);
        } else {
            shared.common.park.park(Some(std::time::Duration::ZERO));
        }
    }
}
