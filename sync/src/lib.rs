//! asyncio-style synchronization primitives.
