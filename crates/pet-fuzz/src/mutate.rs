//! Byte-level mutations of a seed input: bit flips, interesting values
//! (boundaries of every integer width, lengths near the input's own size),
//! deletions, duplications, insertions and splices with another seed.

use crate::rng::Rng;

/// Values that break size arithmetic: 0, 1, -1 and the edges of every width.
const INTERESTING: [u64; 12] = [
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x7fff,
    0xffff,
    0x7fff_ffff,
    0xffff_ffff,
    0x7fff_ffff_ffff_ffff,
    0xffff_ffff_ffff_ffff,
    0x2000_0000_0000_0000,
];

/// Applies one to eight random mutations to `data`; `other` is a second seed to splice from.
pub fn mutate(data: &mut Vec<u8>, other: &[u8], rng: &mut Rng) {
    let rounds = 1 + rng.below(8);
    for _ in 0..rounds {
        if data.is_empty() {
            data.push(rng.bits() as u8);
            continue;
        }
        let at = rng.below(data.len());
        match rng.below(9) {
            0 => data[at] ^= 1 << rng.below(8),
            1 => data[at] = rng.bits() as u8,
            2 => {
                let v = INTERESTING[rng.below(INTERESTING.len())];
                let width = [1usize, 2, 4, 8][rng.below(4)];
                let bytes = if rng.one_in(2) {
                    v.to_le_bytes()
                } else {
                    v.to_be_bytes()
                };
                let start = if rng.one_in(2) { 0 } else { 8 - width };
                for (k, b) in bytes[start..start + width].iter().enumerate() {
                    if let Some(slot) = data.get_mut(at + k) {
                        *slot = *b;
                    }
                }
            }
            3 => {
                let n = 1 + rng.below(16.min(data.len() - at));
                data.drain(at..at + n);
            }
            4 => {
                let n = 1 + rng.below(32.min(data.len() - at));
                let piece: Vec<u8> = data[at..at + n].to_vec();
                let to = rng.below(data.len() + 1);
                data.splice(to..to, piece);
            }
            5 => {
                let n = 1 + rng.below(8);
                let to = rng.below(data.len() + 1);
                let piece: Vec<u8> = (0..n).map(|_| rng.bits() as u8).collect();
                data.splice(to..to, piece);
            }
            6 if !other.is_empty() => {
                let from = rng.below(other.len());
                let n = 1 + rng.below(64.min(other.len() - from));
                let end = (at + n).min(data.len());
                data.splice(at..end, other[from..from + n].iter().copied());
            }
            7 => {
                // A length-like value: the input's own size, plus or minus a little.
                let v = (data.len() as u64)
                    .wrapping_add(rng.below(5) as u64)
                    .wrapping_sub(2);
                for (k, b) in (v as u32).to_le_bytes().iter().enumerate() {
                    if let Some(slot) = data.get_mut(at + k) {
                        *slot = *b;
                    }
                }
            }
            _ => data.truncate(at.max(1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_are_deterministic_and_change_the_input() {
        let seed = b"hello fuzzing world".to_vec();
        let run = |i| {
            let mut d = seed.clone();
            mutate(&mut d, b"other", &mut Rng::for_input(7, "t", i));
            d
        };
        assert_eq!(run(3), run(3));
        assert!((0..20).any(|i| run(i) != seed));
    }
}
