//! Benchmark support crate (the benches live in `benches/`).

pub mod rt_cases;
pub mod sync_cases;
