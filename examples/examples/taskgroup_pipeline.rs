//! An asyncio `TaskGroup` + `Queue` pipeline on myrt: a producer, four
//! workers and the group that waits for them (and cancels them all if one
//! fails).
//!
//! ```text
//! cargo run --example taskgroup_pipeline
//! ```

use myrt_examples::ports::pipeline::pipeline;

#[myrt::main]
async fn main() {
    let ok = pipeline((1..=12).collect(), 4).await;
    println!("squares: {ok:?}");
    match pipeline((1..=20).collect(), 4).await {
        Ok(v) => println!("unexpected success: {v:?}"),
        Err(e) => println!("with 13 in the input the group fails: {e}"),
    }
}
