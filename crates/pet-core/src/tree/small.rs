//! Growth of the small vectors a tree holds by the million (a result's
//! items, the paths of one name): exact while they are short, so one element
//! costs one slot, not the four a growing `Vec` starts with.

/// Makes room for one more element: exactly one while `v` holds fewer than
/// four, the usual doubling after that (so long lists stay amortised O(1)).
pub(crate) fn grow_small<T>(v: &mut Vec<T>) {
    if v.len() == v.capacity() && v.len() < 4 {
        v.reserve_exact(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_vectors_grow_one_slot_at_a_time() {
        let mut v: Vec<u64> = Vec::new();
        for i in 0..3 {
            grow_small(&mut v);
            v.push(i);
            assert_eq!(v.capacity(), v.len());
        }
        for i in 3..100 {
            grow_small(&mut v);
            v.push(i);
        }
        assert!(v.capacity() >= 100);
    }
}
