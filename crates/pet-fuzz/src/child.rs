//! The campaign process that runs inputs of one target: it regenerates each
//! input from the campaign seed and its number, announces it on stdout before
//! feeding it (so the parent knows which input an abort or a hang hit), and
//! catches panics, naming each by where it happened.

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use crate::mutate::mutate;
use crate::rng::Rng;
use crate::targets::{Target, Work};

/// Where the last panic happened and what it said.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Input `index` of `target` in campaign `seed`, made from `seeds`.
pub fn input(seeds: &[Vec<u8>], target: &str, seed: u64, index: u64) -> Vec<u8> {
    let mut rng = Rng::for_input(seed, target, index);
    let base = &seeds[rng.below(seeds.len())];
    let other = &seeds[rng.below(seeds.len())];
    let mut data = base.clone();
    // A few inputs stay unmutated, so the seeds themselves are checked too.
    if index >= seeds.len() as u64 {
        mutate(&mut data, other, &mut rng);
    } else {
        data = seeds[index as usize].clone();
    }
    data
}

/// Runs inputs `start..end` of `target`, printing one line per event:
/// `begin N` before input N, then `ok N`, `err N` or `panic N WHERE`, and
/// `done` at the end.
pub fn run(target: &Target, work: &Work, seed: u64, start: u64, end: u64) -> anyhow::Result<()> {
    let seeds = (target.seeds)(work)?;
    anyhow::ensure!(!seeds.is_empty(), "target {} has no seeds", target.name);
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let short: String = msg.chars().take(80).collect();
        if let Ok(mut g) = LAST_PANIC.lock() {
            *g = Some(format!("{at} {short}").replace('\n', " "));
        }
    }));
    let out = std::io::stdout();
    for i in start..end {
        let data = input(&seeds, target.name, seed, i);
        {
            let mut o = out.lock();
            writeln!(o, "begin {i}")?;
            o.flush()?;
        }
        let line = match catch_unwind(AssertUnwindSafe(|| (target.run)(work, &data))) {
            Ok(Ok(())) => format!("ok {i}"),
            Ok(Err(_)) => format!("err {i}"),
            Err(_) => {
                let what = LAST_PANIC
                    .lock()
                    .ok()
                    .and_then(|mut g| g.take())
                    .unwrap_or_else(|| "unknown".into());
                format!("panic {i} {what}")
            }
        };
        let mut o = out.lock();
        writeln!(o, "{line}")?;
        o.flush()?;
    }
    let mut o = out.lock();
    writeln!(o, "done")?;
    o.flush()?;
    Ok(())
}
