//! [`Items`]: the named items of a result, a small map kept as one sorted
//! vector (a result holds one item or a few; a `BTreeMap` would allocate a
//! node of eleven slots for each).

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::value::Value;

/// The items of a result by name, in name order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Items(Vec<(String, Value)>);

impl Items {
    /// No items.
    pub fn new() -> Self {
        Items(Vec::new())
    }

    /// One item.
    pub fn one(name: impl Into<String>, value: Value) -> Self {
        Items(vec![(name.into(), value)])
    }

    fn find(&self, name: &str) -> std::result::Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(name))
    }

    /// Inserts or replaces an item; returns the value it replaced.
    pub fn insert(&mut self, name: impl Into<String>, value: Value) -> Option<Value> {
        let name = name.into();
        match self.find(&name) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                // Exact growth while short: a result read back item by item
                // takes one slot, not the four a growing vector starts with.
                if self.0.len() == self.0.capacity() && self.0.len() < 4 {
                    self.0.reserve_exact(1);
                }
                self.0.insert(i, (name, value));
                None
            }
        }
    }

    /// The item named `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.find(name).ok().map(|i| &self.0[i].1)
    }

    /// The item named `name`, to change in place.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.find(name).ok().map(|i| &mut self.0[i].1)
    }

    /// True when an item is named `name`.
    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    /// Removes the item named `name` and returns its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.find(name).ok().map(|i| self.0.remove(i).1)
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is no item.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Item names in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &String> + DoubleEndedIterator {
        self.0.iter().map(|(k, _)| k)
    }

    /// Item values in name order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value> + DoubleEndedIterator {
        self.0.iter().map(|(_, v)| v)
    }

    /// Item values in name order, to change in place.
    pub fn values_mut(&mut self) -> impl ExactSizeIterator<Item = &mut Value> {
        self.0.iter_mut().map(|(_, v)| v)
    }

    /// (name, value) pairs in name order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&String, &Value)> + DoubleEndedIterator {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The first item in name order.
    pub fn first_key_value(&self) -> Option<(&String, &Value)> {
        self.0.first().map(|(k, v)| (k, v))
    }
}

impl FromIterator<(String, Value)> for Items {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut items = Items::new();
        items.extend(iter);
        items
    }
}

impl Extend<(String, Value)> for Items {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<const N: usize> From<[(String, Value); N]> for Items {
    fn from(pairs: [(String, Value); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl From<std::collections::BTreeMap<String, Value>> for Items {
    fn from(map: std::collections::BTreeMap<String, Value>) -> Self {
        Items(map.into_iter().collect())
    }
}

impl IntoIterator for Items {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Items {
    type Item = (&'a String, &'a Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Value)>,
        fn(&'a (String, Value)) -> Self::Item,
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl Serialize for Items {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Items {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct ItemsVisitor;
        impl<'de> Visitor<'de> for ItemsVisitor {
            type Value = Items;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map of result items")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut access: A,
            ) -> std::result::Result<Items, A::Error> {
                let mut items = Items::new();
                while let Some((k, v)) = access.next_entry::<String, Value>()? {
                    items.insert(k, v);
                }
                Ok(items)
            }
        }
        d.deserialize_map(ItemsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_stay_sorted_and_replace_by_name() {
        let mut items = Items::new();
        assert_eq!(items.insert("b", Value::from(2.0)), None);
        assert_eq!(items.insert("a", Value::from(1.0)), None);
        assert_eq!(items.insert("b", Value::from(3.0)), Some(Value::from(2.0)));
        assert_eq!(items.keys().cloned().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(items.get("b"), Some(&Value::from(3.0)));
        assert_eq!(items.remove("a"), Some(Value::from(1.0)));
        assert_eq!(items.len(), 1);
        assert!(!items.contains_key("a"));
    }

    #[test]
    fn one_item_takes_one_slot() {
        let items = Items::one("z", Value::from(1.0));
        assert_eq!(items.0.capacity(), 1);
        // Built by insertion (as stores read a result) it takes one slot too,
        // not the four a growing vector starts with.
        let mut built = Items::new();
        built.insert("z", Value::from(1.0));
        assert_eq!(built.0.capacity(), 1);
    }
}
