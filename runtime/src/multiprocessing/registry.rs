//! The registry of functions that may run in a worker process.
//!
//! `#[myrt::process_fn]` puts one [`Entry`] per function in a static and a
//! constructor in `.init_array` that calls [`register`] before `main`, in
//! the parent and in every worker alike (they are the same binary). The
//! parent finds a function's entry by the `TypeId` of its fn item type; the
//! worker by the name the parent sends, checked against the signature hash.

use std::any::{Any, TypeId};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
// Filled by constructors before `main` and read afterwards: not a
// concurrency protocol, so `std`'s Mutex rather than the loom shim.
use std::sync::Mutex;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::wire::{Batch, RemotePanic};

/// Runs one batch: `input` is the postcard encoding of `Vec<Args>`; the
/// postcard encoding of the `Batch` of results is appended to
/// `out`. `Err` means `input` could not be decoded.
pub type Shim = fn(input: &[u8], out: &mut Vec<u8>) -> Result<(), String>;

/// Encodes a batch of one call from an argument tuple seen as `dyn Any`;
/// `Err` if it is not the function's tuple or cannot be encoded.
pub(crate) type EncodeAny = fn(&dyn Any) -> Result<Vec<u8>, String>;

/// Decodes the reply to a batch of one call into the boxed result (or the
/// remote panic); `Err` if the reply cannot be decoded.
pub(crate) type DecodeAny = fn(&[u8]) -> Result<Result<Box<dyn Any + Send>, RemotePanic>, String>;

/// One registered function. Built by `#[myrt::process_fn]`; not meant to be
/// written by hand.
pub struct Entry {
    name: fn() -> &'static str,
    hash: u64,
    type_id: fn() -> TypeId,
    shim: Shim,
    output: fn() -> TypeId,
    encode: EncodeAny,
    decode: DecodeAny,
}

impl Entry {
    /// An entry for the function taking the tuple `Args` and returning `R`,
    /// whose full path `name` returns (its fn item's type name), whose
    /// signature hashes to `hash`, whose fn item type's id `type_id`
    /// returns and that `shim` runs.
    pub const fn new<Args, R>(
        name: fn() -> &'static str,
        hash: u64,
        type_id: fn() -> TypeId,
        shim: Shim,
    ) -> Self
    where
        Args: Serialize + 'static,
        R: DeserializeOwned + Send + 'static,
    {
        Entry {
            name,
            hash,
            type_id,
            shim,
            output: TypeId::of::<R>,
            encode: encode_any::<Args>,
            decode: decode_any::<R>,
        }
    }

    /// The `TypeId` of what the function returns.
    pub(crate) fn output_type(&self) -> TypeId {
        (self.output)()
    }

    /// Encodes a batch of one call (see [`EncodeAny`]).
    pub(crate) fn encode(&self, args: &dyn Any) -> Result<Vec<u8>, String> {
        (self.encode)(args)
    }

    /// The function's [`DecodeAny`].
    pub(crate) fn decoder(&self) -> DecodeAny {
        self.decode
    }

    /// The function's full path (`crate::module::name`).
    pub(crate) fn name(&self) -> &'static str {
        (self.name)()
    }

    /// The hash of the function's argument and return types.
    pub(crate) fn hash(&self) -> u64 {
        self.hash
    }

    /// Runs a batch (see [`Shim`]).
    pub(crate) fn run(&self, input: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        (self.shim)(input, out)
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("name", &self.name())
            .field("hash", &format_args!("{:#018x}", self.hash))
            .finish()
    }
}

static REGISTRY: Mutex<Vec<&'static Entry>> = Mutex::new(Vec::new());

fn registry() -> std::sync::MutexGuard<'static, Vec<&'static Entry>> {
    REGISTRY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Adds `entry` to the registry; called by the constructor that
/// `#[myrt::process_fn]` emits.
pub fn register(entry: &'static Entry) {
    registry().push(entry);
}

/// The entry of the function whose fn item type is `id`.
pub(crate) fn by_type(id: TypeId) -> Option<&'static Entry> {
    registry().iter().copied().find(|e| (e.type_id)() == id)
}

/// The entry named `name`.
pub(crate) fn by_name(name: &str) -> Option<&'static Entry> {
    registry().iter().copied().find(|e| e.name() == name)
}

/// The [`EncodeAny`] of a function taking the tuple `A`.
fn encode_any<A: Serialize + 'static>(args: &dyn Any) -> Result<Vec<u8>, String> {
    let args = args
        .downcast_ref::<A>()
        .ok_or("the arguments are not of the function's parameter types")?;
    super::process::encode_one(args).map_err(|e| e.to_string())
}

/// The [`DecodeAny`] of a function returning `R`.
fn decode_any<R: DeserializeOwned + Send + 'static>(
    body: &[u8],
) -> Result<Result<Box<dyn Any + Send>, RemotePanic>, String> {
    let r = super::process::decode_one::<R>(body)?;
    Ok(r.map(|v| Box::new(v) as Box<dyn Any + Send>))
}

/// FNV-1a over `s`: the signature hash `#[myrt::process_fn]` records.
pub const fn signature_hash(s: &str) -> u64 {
    let bytes = s.as_bytes();
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// The `TypeId` of a value's type (for the entry's `type_id`).
pub fn type_id_of_val<T: 'static>(_: &T) -> TypeId {
    TypeId::of::<T>()
}

/// A function that can run in a worker process: implemented for every
/// `Fn` of up to six arguments, called with its arguments as a tuple
/// (`(x,)` for one), as Python's `args=(x,)`.
///
/// Only functions marked `#[myrt::process_fn]` can actually be sent to a
/// worker; others are refused with
/// [`ErrorKind::NotFound`](std::io::ErrorKind::NotFound) when submitted.
pub trait ProcessFn<Args>: Copy + Send + Sync + 'static {
    /// What the function returns.
    type Output;

    /// Calls the function.
    fn call(&self, args: Args) -> Self::Output;
}

macro_rules! process_fn_arity {
    ($($a:ident),*) => {
        impl<F, R, $($a,)*> ProcessFn<($($a,)*)> for F
        where
            F: Fn($($a),*) -> R + Copy + Send + Sync + 'static,
        {
            type Output = R;

            #[allow(non_snake_case)]
            fn call(&self, ($($a,)*): ($($a,)*)) -> R {
                self($($a),*)
            }
        }
    };
}

process_fn_arity!();
process_fn_arity!(A1);
process_fn_arity!(A1, A2);
process_fn_arity!(A1, A2, A3);
process_fn_arity!(A1, A2, A3, A4);
process_fn_arity!(A1, A2, A3, A4, A5);
process_fn_arity!(A1, A2, A3, A4, A5, A6);

/// A call of `f(args…)` as a [`Job`](crate::executor::Job), for code
/// generic over [`Executor`](crate::executor::Executor) (Python
/// `executor.submit(f, *args)` with either kind of pool): a thread pool
/// runs it in place, a
/// [`ProcessPoolExecutor`](super::ProcessPoolExecutor) in a worker (then
/// `f` must be a `#[myrt::process_fn]`). Made by [`call`].
#[derive(Clone, Copy, Debug)]
pub struct Call<F, A> {
    f: F,
    args: A,
}

/// `f(args…)` as a [`Job`](crate::executor::Job) any executor can run;
/// `args` is the argument tuple (`(x,)` for one).
///
/// # Examples
///
/// ```no_run
/// use myrt::executor::{Executor, ThreadPoolExecutor};
/// use myrt::multiprocessing::{call, ProcessPoolExecutor};
///
/// #[myrt::process_fn]
/// fn square(x: u64) -> u64 {
///     x * x
/// }
///
/// fn total<E: Executor>(pool: &E) -> u64 {
///     let futures: Vec<_> = (1..=3).map(|x| pool.submit(call(square, (x,))).unwrap()).collect();
///     futures.into_iter().map(|f| f.result().unwrap()).sum()
/// }
///
/// # fn main() -> std::io::Result<()> {
/// # myrt::process::bootstrap();
/// assert_eq!(total(&ThreadPoolExecutor::new()), 14);
/// assert_eq!(total(&ProcessPoolExecutor::new(2)?), 14);
/// # Ok(())
/// # }
/// ```
#[doc(alias = "submit")]
pub fn call<F: ProcessFn<A>, A>(f: F, args: A) -> Call<F, A> {
    Call { f, args }
}

impl<F, A> crate::executor::Job for Call<F, A>
where
    F: ProcessFn<A>,
    A: Send + 'static,
    F::Output: Send + 'static,
{
    type Output = F::Output;

    fn run(self) -> F::Output {
        self.f.call(self.args)
    }

    fn __remote(&self) -> Option<(TypeId, &dyn Any)> {
        Some((TypeId::of::<F>(), &self.args))
    }
}

/// The body of every shim: decodes the batch, calls `f` on each argument
/// tuple (a panic is caught and reported for that call alone) and encodes
/// the results.
///
/// # Errors
///
/// The batch could not be decoded (the parent and the worker disagree on
/// the types) or a result could not be encoded.
pub fn run_batch<Args, F>(f: F, input: &[u8], out: &mut Vec<u8>) -> Result<(), String>
where
    F: ProcessFn<Args>,
    Args: DeserializeOwned,
    F::Output: Serialize,
{
    let batch: Vec<Args> =
        postcard::from_bytes(input).map_err(|e| format!("cannot decode the arguments: {e}"))?;
    let results: Batch<F::Output> = super::worker::capturing(|| {
        let mut ok = Vec::with_capacity(batch.len());
        let mut mixed: Option<Vec<Result<F::Output, RemotePanic>>> = None;
        for args in batch {
            let r = panic::catch_unwind(AssertUnwindSafe(|| f.call(args)))
                .map_err(super::worker::remote_panic);
            match (&mut mixed, r) {
                (Some(m), r) => m.push(r),
                (None, Ok(v)) => ok.push(v),
                (None, Err(p)) => {
                    let mut m: Vec<_> = ok.drain(..).map(Ok).collect();
                    m.push(Err(p));
                    mixed = Some(m);
                }
            }
        }
        match mixed {
            None => Batch::AllOk(ok),
            Some(m) => Batch::Mixed(m),
        }
    });
    let start = out.len();
    match postcard::to_io(&results, &mut *out) {
        Ok(_) => Ok(()),
        Err(e) => {
            out.truncate(start);
            Err(format!("cannot encode the results: {e}"))
        }
    }
}
