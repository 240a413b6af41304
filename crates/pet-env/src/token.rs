//! The secret a worker process presents to prove that its parent started it:
//! 32 random bytes, passed as 64 hex digits in `PET_WORKER_TOKEN`, compared in
//! constant time.

use std::io::Read;

/// Length of a worker token in bytes.
pub const TOKEN_LEN: usize = 32;

/// A worker token.
#[derive(Clone, PartialEq, Eq)]
pub struct Token([u8; TOKEN_LEN]);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret itself.
        f.write_str("Token(..)")
    }
}

impl Token {
    /// A fresh token from `/dev/urandom`, or from std's randomly keyed hasher
    /// when `/dev/urandom` cannot be read.
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_LEN];
        let urandom =
            std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
        if urandom.is_err() {
            bytes = hashed_bytes();
        }
        Token(bytes)
    }

    /// The token's bytes.
    pub fn as_bytes(&self) -> &[u8; TOKEN_LEN] {
        &self.0
    }

    /// The token as 64 lowercase hex digits (the form of `PET_WORKER_TOKEN`).
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Parses 64 hex digits; `None` for anything else.
    pub fn from_hex(s: &str) -> Option<Self> {
        let s = s.as_bytes();
        if s.len() != 2 * TOKEN_LEN {
            return None;
        }
        let mut bytes = [0u8; TOKEN_LEN];
        for (b, pair) in bytes.iter_mut().zip(s.chunks_exact(2)) {
            *b = hex_digit(pair[0])? << 4 | hex_digit(pair[1])?;
        }
        Some(Token(bytes))
    }

    /// Compares with `other` in time independent of where they differ.
    pub fn matches(&self, other: &[u8; TOKEN_LEN]) -> bool {
        let diff = self
            .0
            .iter()
            .zip(other.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(diff) == 0
    }
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Fallback randomness: SipHash outputs under std's per-process random keys
/// (each `RandomState` gets fresh keys), mixed with the time and process id.
fn hashed_bytes() -> [u8; TOKEN_LEN] {
    use std::hash::{BuildHasher, Hasher};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut bytes = [0u8; TOKEN_LEN];
    for (i, chunk) in bytes.chunks_exact_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(i);
        h.write_u128(nanos);
        h.write_u32(std::process::id());
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_fresh_and_round_trip_through_hex() {
        let (a, b) = (Token::generate(), Token::generate());
        assert_ne!(a, b);
        assert_eq!(a.to_hex().len(), 64);
        assert_eq!(Token::from_hex(&a.to_hex()), Some(a.clone()));
        assert_eq!(Token::from_hex(&a.to_hex().to_uppercase()), Some(a.clone()));
        assert!(a.matches(a.as_bytes()));
        assert!(!a.matches(b.as_bytes()));
        assert_ne!(hashed_bytes(), hashed_bytes());
    }

    #[test]
    fn malformed_hex_is_refused() {
        let good = Token::generate().to_hex();
        assert_eq!(Token::from_hex(""), None);
        assert_eq!(Token::from_hex(&good[1..]), None);
        assert_eq!(Token::from_hex(&format!("{good}0")), None);
        assert_eq!(Token::from_hex(&format!("x{}", &good[1..])), None);
        assert_eq!(Token::from_hex(&"é".repeat(32)), None);
    }
}
