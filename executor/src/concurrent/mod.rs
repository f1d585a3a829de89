//! Python `concurrent.futures` in Rust shapes (thread-pool executor and futures).
