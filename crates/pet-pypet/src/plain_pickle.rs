//! A safe decoder of pickles that hold plain data only: bools, ints that fit
//! `i64`, floats, strings, bytes, lists, tuples and string-keyed dicts of
//! them. It is off by default (nothing in the reader calls it unless asked)
//! and interprets a fixed allow-list of opcodes as data: no import, no
//! `GLOBAL`/`STACK_GLOBAL`, no `REDUCE`, `BUILD`, `INST`, `OBJ`, `NEWOBJ` or
//! persistent id is ever executed; such an opcode, `None` (pet has no null),
//! an int beyond `i64`, a non-string dict key, a recursive structure or a
//! value pet cannot hold (a heterogeneous list) makes [`decode`] return `None`,
//! and the pickle stays opaque.
//!
//! Sizes are checked against the bytes present before anything is read, the
//! stack, the memo and the decoded value are bounded (at most
//! [`MAX_NODES`] values and [`pet_core::bounds::MAX_DEPTH`] levels), so any
//! input ends in a value or `None`.

use std::collections::BTreeMap;

use pet_core::bounds::MAX_DEPTH;
use pet_core::value::{Array, Scalar};
use pet_core::Value;

/// The most values one decoded pickle may hold (shared references count each time).
pub const MAX_NODES: usize = 1 << 20;

/// One object the pickle built: data, or a container of other objects.
enum Obj {
    Atom(Value),
    List(Vec<usize>),
    Tuple(Vec<usize>),
    Dict(Vec<(usize, usize)>),
}

/// An entry of the pickle machine's stack.
#[derive(Clone, Copy)]
enum Slot {
    Mark,
    Ref(usize),
}

struct Machine<'a> {
    data: &'a [u8],
    at: usize,
    objs: Vec<Obj>,
    stack: Vec<Slot>,
    memo: BTreeMap<u64, usize>,
}

impl<'a> Machine<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.data.get(self.at..end)?;
        self.at = end;
        Some(s)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn le<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn len4(&mut self) -> Option<usize> {
        usize::try_from(u32::from_le_bytes(self.le::<4>()?)).ok()
    }

    fn len8(&mut self) -> Option<usize> {
        usize::try_from(u64::from_le_bytes(self.le::<8>()?)).ok()
    }

    /// The bytes up to the next newline (protocol 0 arguments).
    fn raw_line(&mut self) -> Option<&'a [u8]> {
        let rest = self.data.get(self.at..)?;
        let n = rest.iter().position(|&b| b == b'\n')?;
        self.at += n + 1;
        Some(&rest[..n])
    }

    /// A text argument up to the next newline (protocol 0 opcodes).
    fn line(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.raw_line()?).ok()
    }

    fn push(&mut self, o: Obj) -> Option<()> {
        if self.objs.len() >= MAX_NODES {
            return None;
        }
        self.objs.push(o);
        self.stack.push(Slot::Ref(self.objs.len() - 1));
        Some(())
    }

    fn atom(&mut self, v: Value) -> Option<()> {
        self.push(Obj::Atom(v))
    }

    fn pop(&mut self) -> Option<usize> {
        match self.stack.pop()? {
            Slot::Ref(r) => Some(r),
            Slot::Mark => None,
        }
    }

    fn top(&self) -> Option<usize> {
        match self.stack.last()? {
            Slot::Ref(r) => Some(*r),
            Slot::Mark => None,
        }
    }

    /// The objects above the topmost mark, which is removed.
    fn pop_mark(&mut self) -> Option<Vec<usize>> {
        let m = self.stack.iter().rposition(|s| matches!(s, Slot::Mark))?;
        let items = self.stack[m + 1..]
            .iter()
            .map(|s| match s {
                Slot::Ref(r) => Some(*r),
                Slot::Mark => None,
            })
            .collect::<Option<Vec<_>>>()?;
        self.stack.truncate(m);
        Some(items)
    }

    fn extend_list(&mut self, list: usize, items: &[usize]) -> Option<()> {
        match self.objs.get_mut(list)? {
            Obj::List(v) => {
                v.extend_from_slice(items);
                Some(())
            }
            _ => None,
        }
    }

    fn set_items(&mut self, dict: usize, kv: &[usize]) -> Option<()> {
        if !kv.len().is_multiple_of(2) {
            return None;
        }
        match self.objs.get_mut(dict)? {
            Obj::Dict(v) => {
                v.extend(kv.chunks_exact(2).map(|p| (p[0], p[1])));
                Some(())
            }
            _ => None,
        }
    }

    fn tuple_of(&mut self, n: usize) -> Option<()> {
        let start = self.stack.len().checked_sub(n)?;
        let items = self.stack[start..]
            .iter()
            .map(|s| match s {
                Slot::Ref(r) => Some(*r),
                Slot::Mark => None,
            })
            .collect::<Option<Vec<_>>>()?;
        self.stack.truncate(start);
        self.push(Obj::Tuple(items))
    }

    fn put(&mut self, key: u64) -> Option<()> {
        let top = self.top()?;
        self.memo.insert(key, top);
        Some(())
    }

    fn get(&mut self, key: u64) -> Option<()> {
        let r = *self.memo.get(&key)?;
        self.stack.push(Slot::Ref(r));
        Some(())
    }

    fn str_atom(&mut self, n: usize) -> Option<()> {
        let s = std::str::from_utf8(self.take(n)?).ok()?.to_string();
        self.atom(Value::Scalar(Scalar::Str(s)))
    }

    fn bytes_atom(&mut self, n: usize) -> Option<()> {
        let b = self.take(n)?.to_vec();
        let len = b.len();
        let a = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[len]), b).ok()?;
        self.atom(Value::from(Array::U8(a)))
    }

    fn int_atom(&mut self, v: i64) -> Option<()> {
        self.atom(Value::Scalar(Scalar::I64(v)))
    }

    /// Runs opcodes until `STOP`; the object on top of the stack.
    fn run(&mut self) -> Option<usize> {
        loop {
            let op = self.u8()?;
            match op {
                0x80 => {
                    // PROTO
                    self.u8()?;
                }
                0x95 => {
                    // FRAME: a length hint only.
                    self.le::<8>()?;
                }
                b'.' => return self.pop(),
                0x88 => self.atom(Value::Scalar(Scalar::Bool(true)))?,
                0x89 => self.atom(Value::Scalar(Scalar::Bool(false)))?,
                b'K' => {
                    let v = self.u8()?;
                    self.int_atom(i64::from(v))?
                }
                b'M' => {
                    let v = u16::from_le_bytes(self.le::<2>()?);
                    self.int_atom(i64::from(v))?
                }
                b'J' => {
                    let v = i32::from_le_bytes(self.le::<4>()?);
                    self.int_atom(i64::from(v))?
                }
                0x8a => {
                    // LONG1: n little-endian two's-complement bytes.
                    let n = usize::from(self.u8()?);
                    let b = self.take(n)?;
                    self.int_atom(long(b)?)?
                }
                b'I' => {
                    let s = self.line()?;
                    match s {
                        "01" => self.atom(Value::Scalar(Scalar::Bool(true)))?,
                        "00" => self.atom(Value::Scalar(Scalar::Bool(false)))?,
                        _ => self.int_atom(s.parse().ok()?)?,
                    }
                }
                b'L' => {
                    let s = self.line()?;
                    self.int_atom(s.strip_suffix('L').unwrap_or(s).parse().ok()?)?
                }
                b'G' => {
                    let v = f64::from_be_bytes(self.le::<8>()?);
                    self.atom(Value::Scalar(Scalar::F64(v)))?
                }
                b'F' => {
                    let v: f64 = self.line()?.parse().ok()?;
                    self.atom(Value::Scalar(Scalar::F64(v)))?
                }
                0x8c => {
                    let n = usize::from(self.u8()?);
                    self.str_atom(n)?
                }
                b'X' => {
                    let n = self.len4()?;
                    self.str_atom(n)?
                }
                0x8d => {
                    let n = self.len8()?;
                    self.str_atom(n)?
                }
                b'V' => {
                    let s = raw_unicode(self.raw_line()?)?;
                    self.atom(Value::Scalar(Scalar::Str(s)))?
                }
                b'C' => {
                    let n = usize::from(self.u8()?);
                    self.bytes_atom(n)?
                }
                b'B' => {
                    let n = self.len4()?;
                    self.bytes_atom(n)?
                }
                0x8e => {
                    let n = self.len8()?;
                    self.bytes_atom(n)?
                }
                b']' => self.push(Obj::List(Vec::new()))?,
                b')' => self.push(Obj::Tuple(Vec::new()))?,
                b'}' => self.push(Obj::Dict(Vec::new()))?,
                b'(' => {
                    if self.stack.len() >= MAX_NODES {
                        return None;
                    }
                    self.stack.push(Slot::Mark)
                }
                b'a' => {
                    let item = self.pop()?;
                    let list = self.top()?;
                    self.extend_list(list, &[item])?
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    let list = self.top()?;
                    self.extend_list(list, &items)?
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    let dict = self.top()?;
                    self.set_items(dict, &[k, v])?
                }
                b'u' => {
                    let kv = self.pop_mark()?;
                    let dict = self.top()?;
                    self.set_items(dict, &kv)?
                }
                b't' => {
                    let items = self.pop_mark()?;
                    self.push(Obj::Tuple(items))?
                }
                0x85 => self.tuple_of(1)?,
                0x86 => self.tuple_of(2)?,
                0x87 => self.tuple_of(3)?,
                b'l' => {
                    let items = self.pop_mark()?;
                    self.push(Obj::List(items))?
                }
                b'd' => {
                    let kv = self.pop_mark()?;
                    self.push(Obj::Dict(Vec::new()))?;
                    let dict = self.top()?;
                    self.set_items(dict, &kv)?
                }
                0x94 => {
                    let key = self.memo.len() as u64;
                    self.put(key)?
                }
                b'q' => {
                    let key = u64::from(self.u8()?);
                    self.put(key)?
                }
                b'r' => {
                    let key = u64::from(u32::from_le_bytes(self.le::<4>()?));
                    self.put(key)?
                }
                b'p' => {
                    let key = self.line()?.parse().ok()?;
                    self.put(key)?
                }
                b'h' => {
                    let key = u64::from(self.u8()?);
                    self.get(key)?
                }
                b'j' => {
                    let key = u64::from(u32::from_le_bytes(self.le::<4>()?));
                    self.get(key)?
                }
                b'g' => {
                    let key = self.line()?.parse().ok()?;
                    self.get(key)?
                }
                // Everything else (None, imports, calls, object building,
                // sets, persistent ids, buffers, ...) is not plain data.
                _ => return None,
            }
        }
    }

    /// The value of object `id`, `None` for a cycle or past the limits.
    fn value(
        &self,
        id: usize,
        depth: usize,
        budget: &mut usize,
        path: &mut Vec<usize>,
    ) -> Option<Value> {
        if depth > MAX_DEPTH || path.contains(&id) {
            return None;
        }
        *budget = budget.checked_sub(1)?;
        path.push(id);
        let v = match self.objs.get(id)? {
            Obj::Atom(v) => v.clone(),
            Obj::List(items) => Value::List(
                items
                    .iter()
                    .map(|&i| self.value(i, depth + 1, budget, path))
                    .collect::<Option<_>>()?,
            ),
            Obj::Tuple(items) => Value::Tuple(
                items
                    .iter()
                    .map(|&i| self.value(i, depth + 1, budget, path))
                    .collect::<Option<_>>()?,
            ),
            Obj::Dict(kv) => {
                let mut d = BTreeMap::new();
                for &(k, v) in kv {
                    let Some(Obj::Atom(Value::Scalar(Scalar::Str(key)))) = self.objs.get(k) else {
                        return None;
                    };
                    d.insert(key.clone(), self.value(v, depth + 1, budget, path)?);
                }
                Value::Dict(d)
            }
        };
        path.pop();
        Some(v)
    }
}

/// Python's raw-unicode-escape text (protocol 0 strings): `\\uXXXX` and
/// `\\UXXXXXXXX` escapes, every other byte a Latin-1 character.
fn raw_unicode(b: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let width = match (b[i], b.get(i + 1)) {
            (b'\\', Some(b'u')) => 4,
            (b'\\', Some(b'U')) => 8,
            _ => 0,
        };
        if width == 0 {
            out.push(char::from(b[i]));
            i += 1;
            continue;
        }
        let hex = std::str::from_utf8(b.get(i + 2..i + 2 + width)?).ok()?;
        out.push(char::from_u32(u32::from_str_radix(hex, 16).ok()?)?);
        i += 2 + width;
    }
    Some(out)
}

/// A little-endian two's-complement integer of at most 8 bytes.
fn long(b: &[u8]) -> Option<i64> {
    if b.is_empty() {
        return Some(0);
    }
    if b.len() > 8 {
        return None;
    }
    let fill = if b[b.len() - 1] & 0x80 != 0 { 0xff } else { 0 };
    let mut buf = [fill; 8];
    buf[..b.len()].copy_from_slice(b);
    Some(i64::from_le_bytes(buf))
}

/// The plain value `bytes` pickles, or `None` when the pickle holds anything
/// else, is damaged, or decodes to a value pet cannot hold.
pub fn decode(bytes: &[u8]) -> Option<Value> {
    let mut m = Machine {
        data: bytes,
        at: 0,
        objs: Vec::new(),
        stack: Vec::new(),
        memo: BTreeMap::new(),
    };
    let top = m.run()?;
    let mut budget = MAX_NODES;
    let v = m.value(top, 0, &mut budget, &mut Vec::new())?;
    v.validate().ok()?;
    Some(v)
}
