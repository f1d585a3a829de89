//! A hierarchical timing wheel: pure logic, no clock and no locking.
//!
//! Time is a `u64` count of ticks since the driver started (the driver's
//! tick is 15.625 µs; the wheel only counts). The wheel has [`LEVELS`]
//! levels of [`SLOTS`] slots; a slot on level `L` covers `64^L` ticks, so
//! the whole wheel covers `64^6` ticks (about 12.4 days at that tick) ahead of
//! the current time. Each slot is an intrusive doubly-linked list threaded
//! through a slab, so insert and remove are O(1), and each level keeps a
//! 64-bit occupancy mask, so finding the next expiration is a handful of bit
//! operations per level.
//!
//! An entry is placed on the level of the highest base-64 digit in which its
//! deadline differs from the wheel's current time. When time reaches the
//! start of a slot on a higher level, the slot is emptied: entries that are
//! due fire, the others are placed again, on a lower level. Deadlines
//! further away than the wheel covers park in the top level's last slot and
//! are re-placed each time that slot comes round.
//!
//! A fired entry's deadline is never later than the time passed to
//! [`Wheel::advance`], and every entry whose deadline is not later than that
//! time fires (both checked by a property test against a sorted list).

use slab::Slab;

/// Number of levels.
pub(crate) const LEVELS: usize = 6;
/// Slots per level.
pub(crate) const SLOTS: usize = 64;
const SLOT_BITS: u32 = 6;
const NIL: usize = usize::MAX;

/// Identifies an entry of the wheel; stale keys (of fired or removed
/// entries, even when their slab slot is reused) are recognised and ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    index: usize,
    generation: u64,
}

#[derive(Debug)]
struct Node<T> {
    when: u64,
    generation: u64,
    level: u8,
    slot: u8,
    prev: usize,
    next: usize,
    value: T,
}

/// The timing wheel, holding one `T` per entry.
#[derive(Debug)]
pub(crate) struct Wheel<T> {
    elapsed: u64,
    nodes: Slab<Node<T>>,
    heads: [[usize; SLOTS]; LEVELS],
    occupied: [u64; LEVELS],
    next_generation: u64,
}

impl<T> Wheel<T> {
    /// Creates an empty wheel whose current time is `now`.
    pub(crate) fn new(now: u64) -> Self {
        Wheel {
            elapsed: now,
            nodes: Slab::new(),
            heads: [[NIL; SLOTS]; LEVELS],
            occupied: [0; LEVELS],
            next_generation: 0,
        }
    }

    /// The wheel's current time (the last time passed to `advance`).
    #[cfg(test)]
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Number of entries in the wheel.
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Inserts `value` to fire at `when`.
    ///
    /// # Errors
    ///
    /// Hands `value` back when `when` is not after the current time: it is
    /// already due and the caller must fire it itself.
    pub(crate) fn insert(&mut self, when: u64, value: T) -> Result<Key, T> {
        if when <= self.elapsed {
            return Err(value);
        }
        let generation = self.next_generation;
        self.next_generation += 1;
        let index = self.nodes.insert(Node {
            when,
            generation,
            level: 0,
            slot: 0,
            prev: NIL,
            next: NIL,
            value,
        });
        self.link(index);
        Ok(Key { index, generation })
    }

    /// Removes the entry `key`, returning its value, or `None` when it has
    /// already fired or been removed.
    pub(crate) fn remove(&mut self, key: Key) -> Option<T> {
        match self.nodes.get(key.index) {
            Some(n) if n.generation == key.generation => {}
            _ => return None,
        }
        self.unlink(key.index);
        Some(self.nodes.remove(key.index).value)
    }

    /// The value of the live entry `key`, if any.
    pub(crate) fn get_mut(&mut self, key: Key) -> Option<&mut T> {
        match self.nodes.get_mut(key.index) {
            Some(n) if n.generation == key.generation => Some(&mut n.value),
            _ => None,
        }
    }

    /// The earliest time at which [`advance`](Wheel::advance) has work to
    /// do: exact for entries on level 0, the start of the slot (never later
    /// than any deadline in it) for higher levels. `None` when empty.
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        self.next_slot().map(|(t, _, _)| t)
    }

    /// The earliest slot to process: (time, level, slot).
    fn next_slot(&self) -> Option<(u64, usize, usize)> {
        let mut best: Option<(u64, usize, usize)> = None;
        for level in 0..LEVELS {
            let occ = self.occupied[level];
            if occ == 0 {
                continue;
            }
            let shift = SLOT_BITS * level as u32;
            let cur = ((self.elapsed >> shift) & 63) as u32;
            // Search from the slot after the current one: the current slot
            // itself can only hold top-level entries a whole turn ahead.
            let first = occ.rotate_right((cur + 1) & 63).trailing_zeros();
            let slot = ((cur + 1 + first) & 63) as u64;
            let span_bits = shift + SLOT_BITS;
            let base = if span_bits >= 64 {
                0
            } else {
                self.elapsed & !((1u64 << span_bits) - 1)
            };
            let mut t = base + (slot << shift);
            if t <= self.elapsed {
                // Only top-level entries sit at or behind the current slot:
                // they belong to the next turn of the wheel.
                t = t.saturating_add(1u64 << span_bits.min(63));
            }
            match best {
                Some((b, _, _)) if b <= t => {}
                _ => best = Some((t, level, slot as usize)),
            }
        }
        best
    }

    /// Moves the current time to `now` (never backwards), calling `fire`
    /// with the value of every entry whose deadline is at or before `now`.
    pub(crate) fn advance(&mut self, now: u64, mut fire: impl FnMut(T)) {
        while let Some((t, level, slot)) = self.next_slot() {
            if t > now {
                break;
            }
            self.elapsed = self.elapsed.max(t);
            let mut idx = self.heads[level][slot];
            self.heads[level][slot] = NIL;
            self.occupied[level] &= !(1u64 << slot);
            while idx != NIL {
                let next = self.nodes[idx].next;
                if self.nodes[idx].when <= now {
                    fire(self.nodes.remove(idx).value);
                } else {
                    self.link(idx);
                }
                idx = next;
            }
        }
        self.elapsed = self.elapsed.max(now);
    }

    /// Links node `index` into the slot its deadline belongs to, relative
    /// to the current time.
    fn link(&mut self, index: usize) {
        let when = self.nodes[index].when;
        let masked = (self.elapsed ^ when) | 63;
        let significant = 63 - masked.leading_zeros();
        // Deadlines beyond the top level (or across its wrap) go to the top
        // level by their digit there: that slot's start is still after the
        // current time and not after the deadline; it re-places them.
        let level = ((significant / SLOT_BITS) as usize).min(LEVELS - 1);
        let slot = ((when >> (SLOT_BITS * level as u32)) & 63) as usize;
        let head = self.heads[level][slot];
        {
            let n = &mut self.nodes[index];
            n.level = level as u8;
            n.slot = slot as u8;
            n.prev = NIL;
            n.next = head;
        }
        if head != NIL {
            self.nodes[head].prev = index;
        }
        self.heads[level][slot] = index;
        self.occupied[level] |= 1u64 << slot;
    }

    /// Unlinks node `index` from its slot list.
    fn unlink(&mut self, index: usize) {
        let (level, slot, prev, next) = {
            let n = &self.nodes[index];
            (n.level as usize, n.slot as usize, n.prev, n.next)
        };
        if prev == NIL {
            self.heads[level][slot] = next;
            if next == NIL {
                self.occupied[level] &= !(1u64 << slot);
            }
        } else {
            self.nodes[prev].next = next;
        }
        if next != NIL {
            self.nodes[next].prev = prev;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny xorshift64* generator, so the property test needs no crate.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            self.0 = x;
            x.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n.max(1)
        }
    }

    #[test]
    fn fires_exactly_on_time_at_level_zero() {
        let mut w = Wheel::new(0);
        w.insert(5, 'a').unwrap();
        assert_eq!(w.next_expiration(), Some(5));
        let mut out = Vec::new();
        w.advance(4, |v| out.push(v));
        assert!(out.is_empty());
        w.advance(5, |v| out.push(v));
        assert_eq!(out, vec!['a']);
        assert_eq!(w.len(), 0);
        assert_eq!(w.next_expiration(), None);
    }

    #[test]
    fn past_deadline_is_handed_back() {
        let mut w = Wheel::new(100);
        assert_eq!(w.insert(100, 1), Err(1));
        assert_eq!(w.insert(3, 2), Err(2));
        assert!(w.insert(101, 3).is_ok());
    }

    #[test]
    fn cascades_from_higher_levels() {
        let mut w = Wheel::new(0);
        w.insert(64 * 64 * 3 + 17, 1).unwrap();
        // The level-2 slot starts before the deadline; never after it.
        let t = w.next_expiration().unwrap();
        assert!(t <= 64 * 64 * 3 + 17);
        let mut out = Vec::new();
        w.advance(64 * 64 * 3 + 16, |v| out.push(v));
        assert!(out.is_empty());
        assert_eq!(w.next_expiration(), Some(64 * 64 * 3 + 17));
        w.advance(64 * 64 * 3 + 17, |v| out.push(v));
        assert_eq!(out, vec![1]);
    }

    #[test]
    fn removed_entry_never_fires_and_stale_key_is_ignored() {
        let mut w = Wheel::new(0);
        let k = w.insert(10, 1).unwrap();
        assert_eq!(w.remove(k), Some(1));
        assert_eq!(w.remove(k), None);
        let k2 = w.insert(10, 2).unwrap(); // likely reuses the slab slot
        assert_eq!(w.remove(k), None);
        assert!(w.get_mut(k).is_none());
        let mut out = Vec::new();
        w.advance(20, |v| out.push(v));
        assert_eq!(out, vec![2]);
        assert_eq!(w.remove(k2), None);
    }

    #[test]
    fn far_deadline_beyond_the_wheel() {
        let start = (1u64 << 36) - 10; // also crosses a top-level wrap
        let mut w = Wheel::new(start);
        let far = start + (1u64 << 40) + 12345;
        w.insert(far, 'f').unwrap();
        w.insert(start + 20, 'n').unwrap();
        let mut out = Vec::new();
        let mut steps = 0;
        while out.len() < 2 {
            let now = w.next_expiration().unwrap();
            assert!(now > w.elapsed());
            w.advance(now, |v| out.push((v, now)));
            steps += 1;
        }
        assert_eq!(out, vec![('n', start + 20), ('f', far)]);
        // A far deadline costs a few re-placements, not one wake per slot.
        assert!(steps < 100, "{steps} wake-ups");
    }

    /// Random operations against a sorted-list model.
    #[test]
    fn property_matches_sorted_list_model() {
        let rounds = if cfg!(miri) { 3 } else { 60 };
        for seed in 1..=rounds {
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ seed);
            let start = match seed % 3 {
                0 => 0,
                1 => (1u64 << 36) - rng.below(5000),
                _ => rng.below(1 << 50),
            };
            let mut w: Wheel<u64> = Wheel::new(start);
            let mut now = start;
            let mut model: Vec<(u64, u64, Key)> = Vec::new(); // (when, id, key)
            let mut next_id = 0u64;
            let steps = if cfg!(miri) { 50 } else { 2000 };
            for _ in 0..steps {
                match rng.below(10) {
                    0..=4 => {
                        let delta = match rng.below(6) {
                            0 => rng.below(64),
                            1 => rng.below(4096),
                            2 => rng.below(1 << 20),
                            3 => rng.below(1 << 30),
                            4 => rng.below(1 << 38),
                            _ => rng.below(1 << 44),
                        };
                        let when = now + delta;
                        let id = next_id;
                        next_id += 1;
                        match w.insert(when, id) {
                            Ok(key) => model.push((when, id, key)),
                            Err(v) => {
                                assert_eq!(v, id);
                                assert!(when <= now);
                            }
                        }
                    }
                    5 if !model.is_empty() => {
                        let i = rng.below(model.len() as u64) as usize;
                        let (_, id, key) = model.swap_remove(i);
                        assert_eq!(w.remove(key), Some(id));
                    }
                    _ => {
                        // Check next_expiration is never after the model's
                        // earliest deadline and always in the future.
                        let min = model.iter().map(|e| e.0).min();
                        match (w.next_expiration(), min) {
                            (None, None) => {}
                            (Some(t), Some(m)) => {
                                assert!(t <= m, "next {t} after earliest {m}");
                                assert!(t > now || (t == now && m == now));
                            }
                            other => panic!("mismatch {other:?}"),
                        }
                        let step = match rng.below(5) {
                            0 => rng.below(3),
                            1 => rng.below(200),
                            2 => rng.below(1 << 16),
                            3 => rng.below(1 << 32),
                            _ => min.map_or(1, |m| m - now),
                        };
                        now += step;
                        let mut fired = Vec::new();
                        w.advance(now, |id| fired.push(id));
                        fired.sort_unstable();
                        let mut expect: Vec<u64> =
                            model.iter().filter(|e| e.0 <= now).map(|e| e.1).collect();
                        expect.sort_unstable();
                        assert_eq!(fired, expect, "seed {seed} now {now}");
                        model.retain(|e| e.0 > now);
                        assert_eq!(w.len(), model.len());
                    }
                }
            }
        }
    }
}
