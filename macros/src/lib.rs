//! `#[myrt::main]` and `#[myrt::test]`.
