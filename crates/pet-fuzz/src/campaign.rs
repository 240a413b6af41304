//! The parent of a campaign: runs each target's inputs in child processes
//! under a memory limit (`ulimit -v`), restarts a child after an abort or a
//! hang at the next input, watches each child's peak memory, and prints the
//! table.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::targets::Target;

/// What one campaign asks for.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Campaign seed: the same seed gives the same inputs.
    pub seed: u64,
    /// Inputs per target.
    pub inputs: u64,
    /// Virtual memory limit of each child, in MiB.
    pub mem_limit_mib: u64,
    /// An input running longer than this is a hang.
    pub hang: Duration,
}

/// The outcome of one target.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Target name.
    pub target: String,
    /// Inputs tried.
    pub inputs: u64,
    /// Inputs pet accepted.
    pub accepted: u64,
    /// Inputs pet refused with an error.
    pub refused: u64,
    /// Inputs that panicked.
    pub panics: u64,
    /// Inputs that killed the process (abort, signal, memory limit).
    pub aborts: u64,
    /// Inputs that ran past the hang limit.
    pub hangs: u64,
    /// Distinct failures: where each happened, and the first input that showed it.
    pub failures: BTreeMap<String, u64>,
    /// Aborts and hangs inside the HDF5 C library (its frames are `H5*`).
    pub in_libhdf5: u64,
    /// Largest resident memory of a child, in MiB.
    pub peak_mib: f64,
    /// Wall time.
    pub seconds: f64,
}

/// A failure's description with numbers blanked, so that the same failure
/// with other sizes counts once.
fn signature(s: &str) -> String {
    let mut out = String::new();
    let mut in_num = false;
    let mut prev = ' ';
    for c in s.chars() {
        let word = prev.is_ascii_alphanumeric() || prev == '_';
        if c.is_ascii_digit() && (in_num || !word) {
            if !in_num {
                out.push('N');
            }
            in_num = true;
        } else {
            in_num = false;
            out.push(c);
        }
        prev = c;
    }
    out
}

/// Where an input that killed its process died: it is run again under `gdb`
/// (when installed) and the innermost named frames are kept.
fn abort_place(exe: &std::path::Path, target: &str, plan: &Plan, input: u64) -> String {
    let script = format!(
        "ulimit -v {}; exec timeout {} gdb -batch -ex run -ex 'bt 12' --args \"$0\" repro {target} --seed {} --input {input}",
        plan.mem_limit_mib * 1024,
        plan.hang.as_secs() * 3 + 10,
        plan.seed
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .arg(exe)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    match out {
        Ok(o) => frames(&String::from_utf8_lossy(&o.stdout)),
        Err(_) => UNKNOWN.into(),
    }
}

const UNKNOWN: &str = "an unknown place (install gdb to see where)";

/// The innermost three named frames of a `gdb` backtrace.
fn frames(text: &str) -> String {
    let names: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with('#'))
        .filter_map(|l| {
            let f = l.split(" in ").nth(1)?.split(' ').next()?.to_string();
            (f != "??").then_some(f)
        })
        .take(3)
        .collect();
    if names.is_empty() {
        UNKNOWN.into()
    } else {
        names.join(" < ")
    }
}

fn vm_hwm_mib(pid: u32) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The innermost named frames of a hung process, from `gdb` when it is
/// installed (it tells a loop in pet from one in a C library).
fn stack_top(pid: u32) -> String {
    let out = Command::new("gdb")
        .args(["-p", &pid.to_string(), "-batch", "-ex", "bt 12"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    match out {
        Ok(o) => frames(&String::from_utf8_lossy(&o.stdout)),
        Err(_) => UNKNOWN.into(),
    }
}

/// Runs `target` as the plan says, restarting children as needed.
pub fn run_target(exe: &std::path::Path, target: &Target, plan: &Plan) -> anyhow::Result<Tally> {
    let started = Instant::now();
    let mut t = Tally {
        target: target.name.to_string(),
        ..Tally::default()
    };
    let mut next = 0u64;
    while next < plan.inputs {
        let script = format!(
            "ulimit -v {}; exec \"$0\" child {} --seed {} --start {} --end {}",
            plan.mem_limit_mib * 1024,
            target.name,
            plan.seed,
            next,
            plan.inputs
        );
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .arg(exe)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let pid = child.id();
        let (tx, rx) = mpsc::channel::<String>();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stderr"))?;
        let err_tail = std::thread::spawn(move || {
            let mut tail = String::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("memory allocation")
                    || line.contains("overflow")
                    || tail.is_empty()
                {
                    tail = line;
                }
            }
            tail
        });
        let mut current: Option<u64> = None;
        let mut last_begin: Option<u64> = None;
        let mut since = Instant::now();
        let mut done = false;
        let mut hung = false;
        let mut hang_at = String::new();
        loop {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    let mut parts = line.splitn(3, ' ');
                    match (parts.next(), parts.next(), parts.next()) {
                        (Some("begin"), Some(n), _) => {
                            current = n.parse().ok();
                            last_begin = current;
                            since = Instant::now();
                        }
                        (Some("panic"), Some(n), what) => {
                            t.panics += 1;
                            current = None;
                            let n: u64 = n.parse().unwrap_or(0);
                            t.failures
                                .entry(signature(&format!("panic {}", what.unwrap_or(""))))
                                .or_insert(n);
                        }
                        (Some("ok"), Some(_), _) => {
                            t.accepted += 1;
                            current = None;
                        }
                        (Some("err"), Some(_), _) => {
                            t.refused += 1;
                            current = None;
                        }
                        (Some("done"), _, _) => done = true,
                        _ => {}
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(m) = vm_hwm_mib(pid) {
                        t.peak_mib = t.peak_mib.max(m);
                    }
                    if current.is_some() && since.elapsed() > plan.hang && !hung {
                        hung = true;
                        hang_at = stack_top(pid);
                        let _ = child.kill();
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            if let Some(m) = vm_hwm_mib(pid) {
                t.peak_mib = t.peak_mib.max(m);
            }
        }
        let status = child.wait()?;
        let tail = err_tail.join().unwrap_or_default();
        if done && status.success() {
            break;
        }
        let Some(at) = current.or(last_begin) else {
            anyhow::bail!(
                "target {} could not start (status {status}): {tail}",
                target.name
            );
        };
        let place = if hung {
            t.hangs += 1;
            hang_at
        } else {
            t.aborts += 1;
            abort_place(exe, target.name, plan, at)
        };
        if place.starts_with("H5") {
            t.in_libhdf5 += 1;
        }
        let what: String = tail.chars().take(100).collect();
        let key = if hung {
            format!("hang in {place}")
        } else {
            format!("abort ({status}) in {place}: {what}")
        };
        t.failures.entry(signature(&key)).or_insert(at);
        next = at + 1;
    }
    t.inputs = plan.inputs;
    t.seconds = started.elapsed().as_secs_f64();
    Ok(t)
}

/// The table of a campaign, one row per target and a total.
pub fn table(rows: &[Tally], plan: &Plan) -> String {
    let mut s = format!(
        "fuzz campaign: seed {}, {} inputs per target, memory limit {} MiB per process\n\n",
        plan.seed, plan.inputs, plan.mem_limit_mib
    );
    s.push_str("| target | inputs | accepted | refused (clean error) | distinct failures | panics | aborts | hangs | of which in libhdf5 | peak memory (MiB) | seconds |\n");
    s.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    let mut total = Tally::default();
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} | {:.1} |\n",
            r.target,
            r.inputs,
            r.accepted,
            r.refused,
            r.failures.len(),
            r.panics,
            r.aborts,
            r.hangs,
            r.in_libhdf5,
            r.peak_mib,
            r.seconds
        ));
        total.inputs += r.inputs;
        total.accepted += r.accepted;
        total.refused += r.refused;
        total.panics += r.panics;
        total.aborts += r.aborts;
        total.hangs += r.hangs;
        total.in_libhdf5 += r.in_libhdf5;
        total.peak_mib = total.peak_mib.max(r.peak_mib);
        total.seconds += r.seconds;
        for (k, v) in &r.failures {
            total.failures.insert(format!("{}: {k}", r.target), *v);
        }
    }
    s.push_str(&format!(
        "| **total** | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} | {:.1} |\n",
        total.inputs,
        total.accepted,
        total.refused,
        total.failures.len(),
        total.panics,
        total.aborts,
        total.hangs,
        total.in_libhdf5,
        total.peak_mib,
        total.seconds
    ));
    if !total.failures.is_empty() {
        s.push_str("\nfailures (first input; reproduce with `pet-fuzz repro TARGET --seed SEED --input N`):\n");
        for (k, v) in &total.failures {
            s.push_str(&format!("- {k} (input {v})\n"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn signatures_blank_sizes_but_keep_names() {
        assert_eq!(
            super::signature("allocation of 2113928988 bytes in H5C_protect at a.rs:12"),
            "allocation of N bytes in H5C_protect at a.rs:N"
        );
    }
}
