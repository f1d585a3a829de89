//! Runnable myrt programs live in `examples/`.
