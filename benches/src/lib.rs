//! Benchmark support crate (the benches live in `benches/`).

pub mod sync_cases;
