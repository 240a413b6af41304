//! Human-readable rendering of values, leaves and nodes for the terminal.
//! Every piece of stored text goes through [`clean`], so what this returns is
//! safe to print (the only control characters in it are the newlines it adds).

use pet_core::{Array, LeafData, Node, NodeKind, Value};

use crate::safe_text::clean;

fn array_stats(a: &Array) -> String {
    let vals: Vec<f64> = (0..a.len())
        .filter_map(|i| a.get_flat(i)?.as_f64())
        .collect();
    if vals.is_empty() || vals.len() != a.len() {
        return String::new();
    }
    let (mut lo, mut hi, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
    for v in &vals {
        lo = lo.min(*v);
        hi = hi.max(*v);
        sum += v;
    }
    format!(" min={lo} max={hi} mean={}", sum / vals.len() as f64)
}

fn first_elements(a: &Array, n: usize) -> String {
    let shown: Vec<String> = (0..a.len().min(n))
        .filter_map(|i| a.get_flat(i).map(|s| clean(&s.to_string()).into_owned()))
        .collect();
    let more = if a.len() > n { ", ..." } else { "" };
    format!("[{}{more}]", shown.join(", "))
}

/// A value in a few lines: scalars in full, arrays summarised.
pub fn value(v: &Value) -> String {
    match v {
        Value::Array(a) => format!(
            "{}{}\n    first: {}",
            clean(&a.type_info()),
            array_stats(a),
            first_elements(a, 10)
        ),
        Value::Quantity(q) => match q.value.as_ref() {
            Value::Array(_) => format!("{} (unit {})", value(&q.value), clean(&q.unit)),
            other => format!("{} {}", clean(&other.to_string()), clean(&q.unit)),
        },
        Value::Table(t) => {
            let mut s = clean(&t.type_info()).into_owned();
            for (name, col) in t.columns() {
                s.push_str(&format!(
                    "\n    {}: {}",
                    clean(name),
                    first_elements(col, 8)
                ));
            }
            s
        }
        Value::Dict(d) => {
            let mut s = format!("dict with {} keys", d.len());
            for (k, x) in d.iter().take(20) {
                s.push_str(&format!("\n    {}: {}", clean(k), clean(&x.type_info())));
            }
            s
        }
        Value::Sparse(m) => format!(
            "{} (data {})",
            clean(&m.type_info()),
            first_elements(&m.data, 8)
        ),
        Value::User(u) => match u.to_json() {
            Ok(j) => format!(
                "user type {}: {}",
                clean(&u.type_name),
                clean(&j.to_string())
            ),
            Err(_) => format!(
                "user type {} ({} bytes)",
                clean(&u.type_name),
                u.payload.len()
            ),
        },
        other => clean(&other.to_string()).into_owned(),
    }
}

/// A leaf's data: parameter value and explored points, or result items.
pub fn leaf(data: &LeafData) -> String {
    match data {
        LeafData::Param { value: v, explored } => {
            let mut s = format!("value: {}", value(v));
            if let Some(list) = explored {
                let shown: Vec<String> = list
                    .iter()
                    .take(20)
                    .map(|x| clean(&x.to_string()).into_owned())
                    .collect();
                let more = if list.len() > 20 { ", ..." } else { "" };
                s.push_str(&format!(
                    "\nexplored ({} points): [{}{more}]",
                    list.len(),
                    shown.join(", ")
                ));
            }
            s
        }
        LeafData::Result { items } => items
            .iter()
            .map(|(k, v)| format!("{}: {}", clean(k), value(v)))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// One line of `pet tree` for a node.
pub fn tree_line(name: &str, node: &Node, depth: usize) -> String {
    let what = match &node.kind {
        NodeKind::Group => "group".to_string(),
        NodeKind::Leaf {
            role, type_info, ..
        } => format!("{} {}", role.name(), clean(type_info)),
        NodeKind::Link { target } => format!("-> {}", clean(target)),
    };
    let comment = if node.comment.is_empty() {
        String::new()
    } else {
        format!("  # {}", clean(&node.comment))
    };
    let ann = if node.annotations.is_empty() {
        String::new()
    } else {
        let keys: Vec<String> = node
            .annotations
            .keys()
            .map(|k| clean(k).into_owned())
            .collect();
        format!("  [{}]", keys.join(", "))
    };
    format!(
        "{}{}  ({what}){comment}{ann}",
        "  ".repeat(depth),
        clean(name)
    )
}
