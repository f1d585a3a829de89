//! Timers: sleep, timeout, interval.
