//! Support for the unit tests inside the crate (the integration tests
//! have their own in tests/common).

/// A small seeded generator (a 64-bit LCG with its high bits folded in),
/// so that a failing unit test sees the same data again.
pub(crate) struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 ^ (self.0 >> 29)
    }

    /// A value in [0, n), n > 0.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
