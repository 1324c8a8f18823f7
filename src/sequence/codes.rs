//! SPEC §4 "Codes": letters to 3-bit codes and back, and the bit tricks that
//! move eight codes between one-code-per-byte and bit-plane form.

use crate::spec::{code, EXCEPTION_LETTERS};

/// Table flag: the byte is not a letter tribit stores.
pub(crate) const INVALID: u8 = 0x80;
/// Table flag: the letter is lowercase (soft-masked).
pub(crate) const LOWER: u8 = 0x08;
/// Table flag: the letter needs more than a code (N is counted; exception
/// letters are recorded).
pub(crate) const SPECIAL: u8 = 0x10;

const fn build_encode() -> [u8; 256] {
    let mut t = [INVALID; 256];
    let bases = [(b'A', code::A), (b'C', code::C), (b'G', code::G), (b'T', code::T)];
    let mut i = 0;
    while i < bases.len() {
        let (l, c) = bases[i];
        t[l as usize] = c;
        t[(l | 0x20) as usize] = c | LOWER;
        i += 1;
    }
    t[b'N' as usize] = code::N | SPECIAL;
    t[b'n' as usize] = code::N | SPECIAL | LOWER;
    let mut i = 0;
    while i < EXCEPTION_LETTERS.len() {
        let l = EXCEPTION_LETTERS[i];
        t[l as usize] = code::EXCEPTION | SPECIAL;
        if l.is_ascii_uppercase() {
            t[(l | 0x20) as usize] = code::EXCEPTION | SPECIAL | LOWER;
        }
        i += 1;
    }
    t
}

/// Letter byte → code | flags.
pub(crate) static ENCODE: [u8; 256] = build_encode();

/// Placeholder letters written while decoding codes that have no letter of
/// their own; they are replaced (exceptions) or reported as errors.
pub(crate) const PLACEHOLDER_END: u8 = b'>';
/// See [`PLACEHOLDER_END`].
pub(crate) const PLACEHOLDER_REFERENCE: u8 = b'=';
/// See [`PLACEHOLDER_END`].
pub(crate) const PLACEHOLDER_EXCEPTION: u8 = b'?';

/// Code → letter (uppercase), or a placeholder.
pub(crate) const DECODE: [u8; 8] = [
    b'A',
    b'C',
    b'G',
    b'T',
    b'N',
    PLACEHOLDER_END,
    PLACEHOLDER_REFERENCE,
    PLACEHOLDER_EXCEPTION,
];

const fn build_spread() -> [u64; 256] {
    let mut t = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut v = 0u64;
        let mut j = 0;
        while j < 8 {
            if b & (1 << j) != 0 {
                v |= 1 << (8 * j);
            }
            j += 1;
        }
        t[b] = v;
        b += 1;
    }
    t
}

/// Byte of a plane → eight bytes, byte j holding bit j (0 or 1).
pub(crate) static SPREAD: [u64; 256] = build_spread();

/// Gathers bit 0 of each of the eight bytes of `x` into one byte, byte j's
/// bit going to bit j (SPEC §5: position p is bit p mod 8).
#[inline(always)]
pub(crate) fn gather(x: u64) -> u8 {
    // Each selected bit lands on a distinct position of the top byte, so the
    // multiplication has no carries into it.
    ((x & 0x0101_0101_0101_0101).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
}

/// Eight codes of the three plane bytes `b0`, `b1`, `b2`, one per byte.
#[inline(always)]
pub(crate) fn codes8(b0: u8, b1: u8, b2: u8) -> u64 {
    SPREAD[b0 as usize] | (SPREAD[b1 as usize] << 1) | (SPREAD[b2 as usize] << 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_and_spread_are_inverse() {
        for b in 0..=255u8 {
            assert_eq!(gather(SPREAD[b as usize]), b);
        }
        let x = u64::from_le_bytes([1, 0, 1, 1, 0, 0, 0, 1]);
        assert_eq!(gather(x), 0b1000_1101);
    }

    #[test]
    fn codes_round_trip_through_planes() {
        let codes = [0u8, 1, 2, 3, 4, 5, 6, 7];
        let x = u64::from_le_bytes(codes);
        let (b0, b1, b2) = (gather(x), gather(x >> 1), gather(x >> 2));
        assert_eq!(codes8(b0, b1, b2).to_le_bytes(), codes);
    }

    #[test]
    fn encode_table_covers_exactly_the_stored_letters() {
        for b in 0..=255u8 {
            let t = ENCODE[b as usize];
            let up = b.to_ascii_uppercase();
            let stored = b"ACGTN".contains(&up) || EXCEPTION_LETTERS.contains(&up);
            assert_eq!(t & INVALID == 0, stored, "byte {b}");
            if stored {
                assert_eq!(t & LOWER != 0, b.is_ascii_lowercase(), "byte {b}");
                let c = t & 7;
                if c < 5 {
                    assert_eq!(DECODE[c as usize], up);
                } else {
                    assert_eq!(c, code::EXCEPTION);
                }
            }
        }
    }
}
