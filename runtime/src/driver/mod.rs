//! The reactor: mio `Poll` plus the timer wheel.
