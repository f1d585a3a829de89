//! Async I/O helpers.
