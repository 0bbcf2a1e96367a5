//! Helpers shared by the tests of the ocm-rs workspace (not published).
//!
//! The generators of the differential and property tests draw from [`Rng`], a seeded
//! [`fastrand::Rng`] with the few shapes those generators need, so that a failing scenario is
//! reproduced from its seed. The integration tests wait for the hub with [`eventually`].

mod eventually;

pub use eventually::{CheckError, TimedOut, eventually, eventually_some};

/// A seeded random source for scenario generators.
#[derive(Debug, Clone)]
pub struct Rng(fastrand::Rng);

impl Rng {
    /// The generator for `seed`; equal seeds give equal sequences.
    pub fn new(seed: u64) -> Self {
        Rng(fastrand::Rng::with_seed(seed))
    }

    /// Any `u64`.
    pub fn u64(&mut self) -> u64 {
        self.0.u64(..)
    }

    /// A number in `0..n`, and 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.0.usize(..n) }
    }

    /// True with probability `pct`/100.
    pub fn pct(&mut self, pct: u64) -> bool {
        self.0.u64(..100) < pct
    }

    /// One element of a non-empty slice.
    ///
    /// # Panics
    /// When `xs` is empty.
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    /// A number in `lo..=hi`.
    ///
    /// # Panics
    /// When `lo > hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        self.0.i64(lo..=hi)
    }

    /// Shuffles `xs` in place.
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        self.0.shuffle(xs);
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn equal_seeds_give_equal_sequences_and_bounds_hold() {
        let (mut a, mut b, mut c) = (Rng::new(7), Rng::new(7), Rng::new(8));
        let xs: Vec<u64> = (0..16).map(|_| a.u64()).collect();
        let ys: Vec<u64> = (0..16).map(|_| b.u64()).collect();
        let zs: Vec<u64> = (0..16).map(|_| c.u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        for _ in 0..1000 {
            assert!(a.below(3) < 3);
            assert!((-2..=2).contains(&a.range(-2, 2)));
        }
        assert_eq!(a.below(0), 0);
    }
}
