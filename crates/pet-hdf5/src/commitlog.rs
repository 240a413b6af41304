//! The commit log `<file>.commit`: the pages one checkpoint changes in the
//! checkpointed part of the HDF5 file, written whole before any of them is,
//! so a checkpoint torn by a crash is finished (or never begun) at the next
//! open. Format: `PETCMIT1`, the file's new length (u64 LE), the page count
//! n (u64 LE), n × (page number u64 LE, 4096 bytes), CRC-32 of all before
//! (u32 LE); bytes after that are left from an earlier, longer log. Pages are
//! in increasing order and below the new length. Once its pages are in the
//! file, the log's first 8 bytes become `PETCDONE`: nothing to finish. A
//! writer keeps its log file open across checkpoints and removes it at close.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use pet_core::storage::file::with_suffix;
use pet_core::{PetError, Result};

use crate::error::{corrupt, io};
use crate::overlay::{Overlay, PAGE};

const MAGIC: &[u8; 8] = b"PETCMIT1";
const DONE: &[u8; 8] = b"PETCDONE";
const HEADER: u64 = 24;
const ENTRY: u64 = 8 + PAGE;
const TRAILER: u64 = 4;
/// How far past the file's end a checkpoint may set its length: space HDF5
/// allocated but had not written yet (its aggregators hand out up to 1 MiB).
const MAX_GROWTH: u64 = 1 << 30;

/// The commit log path of an HDF5 file.
pub fn path_for(h5: &Path) -> PathBuf {
    with_suffix(h5, ".commit")
}

/// Opens (creating) the commit log of a writer.
pub fn open_log(log: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(log)
}

/// Writes, into the open log `f`, the commit log of a checkpoint whose file
/// ends at `len`, in one write.
pub fn write(f: &File, overlay: &Overlay, len: u64, sync: bool) -> io::Result<()> {
    let pages: Vec<(u64, &[u8])> = overlay.pages().collect();
    let mut buf = Vec::with_capacity((HEADER + pages.len() as u64 * ENTRY + TRAILER) as usize);
    buf.extend_from_slice(MAGIC);
    buf.extend_from_slice(&len.to_le_bytes());
    buf.extend_from_slice(&(pages.len() as u64).to_le_bytes());
    for (n, page) in pages {
        buf.extend_from_slice(&n.to_le_bytes());
        buf.extend_from_slice(page);
    }
    let crc = crc32fast::hash(&buf);
    buf.extend_from_slice(&crc.to_le_bytes());
    f.write_all_at(&buf, 0)?;
    if sync {
        f.sync_data()?;
    }
    Ok(())
}

/// Marks the log `f` as applied: its pages are all in the file.
pub fn mark_applied(f: &File, sync: bool) -> io::Result<()> {
    f.write_all_at(DONE, 0)?;
    if sync {
        f.sync_data()?;
    }
    Ok(())
}

/// Writes the overlay's pages into `file` (runs of consecutive pages in one
/// write each) and sets its length to `len`.
pub fn apply_overlay(file: &File, overlay: &Overlay, len: u64) -> io::Result<()> {
    let half = overlay.pages().count() / 2;
    let mut run: Vec<u8> = Vec::new();
    let mut first = 0u64;
    let mut next = None;
    for (k, (n, page)) in overlay.pages().enumerate() {
        if k == half {
            put_run(file, first, &run, len)?;
            run.clear();
            next = None;
            crate::faults::reach("half-applied");
        }
        if next != Some(n) {
            put_run(file, first, &run, len)?;
            run.clear();
            first = n;
        }
        run.extend_from_slice(page);
        next = Some(n + 1);
    }
    put_run(file, first, &run, len)?;
    set_len(file, len)
}

/// Writes consecutive pages from page `first` on, cut at `len`.
fn put_run(file: &File, first: u64, bytes: &[u8], len: u64) -> io::Result<()> {
    let start = first * PAGE;
    if bytes.is_empty() || start >= len {
        return Ok(());
    }
    let keep = ((len - start) as usize).min(bytes.len());
    file.write_all_at(&bytes[..keep], start)
}

fn set_len(file: &File, len: u64) -> io::Result<()> {
    if file.metadata()?.len() != len {
        file.set_len(len)?;
    }
    Ok(())
}

/// What an existing commit log holds.
#[derive(Debug, PartialEq)]
pub enum Found {
    /// A checkpoint that was written whole: apply it.
    Complete {
        /// Pages it changes.
        pages: u64,
        /// The file's length after it.
        len: u64,
    },
    /// A checkpoint torn while its log was written: none of it reached the file.
    Torn,
    /// A log whose pages are all in the file already.
    Done,
}

/// Checks a commit log in one streaming pass (its size is checked against
/// its page count before anything is read).
pub fn inspect(log: &Path) -> Result<Found> {
    let shown = log.display().to_string();
    let f = File::open(log).map_err(|e| io(&format!("cannot open the commit log {shown}"), e))?;
    let size = f
        .metadata()
        .map_err(|e| io(&format!("cannot read the commit log {shown}"), e))?
        .len();
    if size < HEADER + TRAILER {
        let mut head = [0u8; 8];
        let done = size >= 8 && f.read_exact_at(&mut head, 0).is_ok() && &head == DONE;
        return Ok(if done { Found::Done } else { Found::Torn });
    }
    let mut r = Crc::new(BufReader::with_capacity(1 << 20, f));
    let read_err = |e| io(&format!("cannot read the commit log {shown}"), e);
    let mut head = [0u8; HEADER as usize];
    r.read_exact(&mut head).map_err(read_err)?;
    if &head[..8] == DONE {
        return Ok(Found::Done);
    }
    if &head[..8] != MAGIC {
        return Err(corrupt(
            &shown,
            "this is not a pet commit log (pet writes <file>.commit during a checkpoint); \
             move it away if it belongs to another program",
        ));
    }
    let len = u64_at(&head, 8);
    let count = u64_at(&head, 16);
    let want = count
        .checked_mul(ENTRY)
        .and_then(|b| b.checked_add(HEADER + TRAILER));
    match want {
        // Shorter than its header says: the write was cut.
        Some(w) if w > size => return Ok(Found::Torn),
        Some(_) => {}
        None => return Err(forged(&shown, "its page count is beyond any file")),
    }
    let mut entry = vec![0u8; ENTRY as usize];
    let mut last: Option<u64> = None;
    for _ in 0..count {
        r.read_exact(&mut entry).map_err(read_err)?;
        let n = u64_at(&entry, 0);
        if last.is_some_and(|l| n <= l) || n.checked_mul(PAGE).is_none_or(|s| s >= len) {
            return Err(forged(
                &shown,
                "its pages are out of order or past the file's end",
            ));
        }
        last = Some(n);
    }
    let crc = r.crc.clone().finalize();
    let mut tail = [0u8; 4];
    r.inner.read_exact(&mut tail).map_err(read_err)?;
    if u32::from_le_bytes(tail) != crc {
        return Ok(Found::Torn);
    }
    Ok(Found::Complete { pages: count, len })
}

/// Applies a log [`inspect`] found complete to `file` (a second streaming pass).
pub fn apply(log: &Path, file: &File) -> Result<()> {
    let shown = log.display().to_string();
    let read_err = |e| io(&format!("cannot read the commit log {shown}"), e);
    let f = File::open(log).map_err(read_err)?;
    let mut r = BufReader::with_capacity(1 << 20, f);
    let mut head = [0u8; HEADER as usize];
    r.read_exact(&mut head).map_err(read_err)?;
    let len = u64_at(&head, 8);
    let count = u64_at(&head, 16);
    let mut entry = vec![0u8; ENTRY as usize];
    let write_err = |e| io("cannot write a checkpoint into the HDF5 file", e);
    for _ in 0..count {
        r.read_exact(&mut entry).map_err(read_err)?;
        put_run(file, u64_at(&entry, 0), &entry[8..], len).map_err(write_err)?;
    }
    set_len(file, len).map_err(write_err)
}

/// What [`recover`] did.
#[derive(Debug, PartialEq)]
pub enum Recovered {
    /// No checkpoint was under way.
    Nothing,
    /// A checkpoint torn before any page reached the file was dropped.
    Dropped,
    /// A checkpoint cut while its pages were written was finished.
    Finished {
        /// Pages written.
        pages: u64,
    },
}

/// Finishes or drops the checkpoint a crashed writer of `h5` left.
pub fn recover(h5: &Path, sync: bool) -> Result<Recovered> {
    let log = path_for(h5);
    if !log.exists() {
        return Ok(Recovered::Nothing);
    }
    let done = match inspect(&log)? {
        Found::Torn => Recovered::Dropped,
        Found::Done => Recovered::Nothing,
        Found::Complete { pages, len } => {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .open(h5)
                .map_err(|e| {
                    io(
                        &format!("cannot open {} to finish its checkpoint", h5.display()),
                        e,
                    )
                })?;
            let have = file
                .metadata()
                .map_err(|e| io(&format!("cannot read {}", h5.display()), e))?
                .len();
            if len > have.saturating_add(MAX_GROWTH) {
                return Err(forged(
                    &log.display().to_string(),
                    &format!("it sets the file's length to {len} bytes, far past its {have}"),
                ));
            }
            apply(&log, &file)?;
            if sync {
                file.sync_all()
                    .map_err(|e| io("cannot sync the HDF5 file", e))?;
            }
            Recovered::Finished { pages }
        }
    };
    std::fs::remove_file(&log).map_err(|e| {
        io(
            &format!("cannot remove the commit log {}", log.display()),
            e,
        )
    })?;
    Ok(done)
}

fn forged(shown: &str, what: &str) -> PetError {
    corrupt(
        shown,
        format!(
            "this commit log was not written by pet ({what}); pet applied nothing from it and \
             changed no file. Move it away and open the store again"
        ),
    )
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// A reader that keeps the CRC-32 of the bytes read through it.
struct Crc<T> {
    inner: T,
    crc: crc32fast::Hasher,
}

impl<T> Crc<T> {
    fn new(inner: T) -> Crc<T> {
        Crc {
            inner,
            crc: crc32fast::Hasher::new(),
        }
    }
}

impl<T: Read> Read for Crc<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.crc.update(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn setup() -> (tempfile::TempDir, PathBuf, Overlay) {
        let dir = tempfile::tempdir().unwrap();
        let h5 = dir.path().join("a.h5");
        std::fs::write(&h5, vec![1u8; 3 * PAGE as usize]).unwrap();
        let f = OpenOptions::new().read(true).write(true).open(&h5).unwrap();
        let mut o = Overlay::new(3 * PAGE);
        o.write(&f, 100, &[5u8; 50], false).unwrap();
        o.write(&f, 2 * PAGE + 10, &[6u8; 10], false).unwrap();
        (dir, h5, o)
    }

    #[test]
    fn a_whole_log_is_applied_and_removed() {
        let (_d, h5, o) = setup();
        write(&open_log(&path_for(&h5)).unwrap(), &o, 2 * PAGE + 20, false).unwrap();
        assert_eq!(
            inspect(&path_for(&h5)).unwrap(),
            Found::Complete {
                pages: 2,
                len: 2 * PAGE + 20
            }
        );
        assert_eq!(
            recover(&h5, false).unwrap(),
            Recovered::Finished { pages: 2 }
        );
        let bytes = std::fs::read(&h5).unwrap();
        assert_eq!(bytes.len() as u64, 2 * PAGE + 20);
        assert_eq!(&bytes[100..150], &[5u8; 50]);
        assert_eq!(&bytes[2 * PAGE as usize + 10..], &[6u8; 10]);
        assert!(!path_for(&h5).exists());
        assert_eq!(recover(&h5, false).unwrap(), Recovered::Nothing);
    }

    #[test]
    fn a_log_over_a_longer_old_one_and_an_applied_log() {
        let (_d, h5, o) = setup();
        let log = path_for(&h5);
        let f = open_log(&log).unwrap();
        write(&f, &o, 3 * PAGE, false).unwrap();
        mark_applied(&f, false).unwrap();
        assert_eq!(inspect(&log).unwrap(), Found::Done);
        // A shorter log over it: the old tail stays and is ignored.
        let one = {
            let file = OpenOptions::new().read(true).write(true).open(&h5).unwrap();
            let mut one = Overlay::new(3 * PAGE);
            one.write(&file, 0, &[9u8; 4], false).unwrap();
            one
        };
        write(&f, &one, 3 * PAGE, false).unwrap();
        assert_eq!(
            inspect(&log).unwrap(),
            Found::Complete {
                pages: 1,
                len: 3 * PAGE
            }
        );
        // Torn in its middle, the old tail makes the checksum fail: dropped.
        let mut torn = std::fs::read(&log).unwrap();
        torn[30..40].copy_from_slice(&[0u8; 10]);
        std::fs::write(&log, &torn).unwrap();
        assert_eq!(inspect(&log).unwrap(), Found::Torn);
        mark_applied(&open_log(&log).unwrap(), false).unwrap();
        let before = std::fs::read(&h5).unwrap();
        assert_eq!(recover(&h5, false).unwrap(), Recovered::Nothing);
        assert_eq!(std::fs::read(&h5).unwrap(), before);
        assert!(!log.exists());
    }

    #[test]
    fn a_torn_log_at_any_length_changes_nothing() {
        let (_d, h5, o) = setup();
        let log = path_for(&h5);
        write(&open_log(&log).unwrap(), &o, 3 * PAGE, false).unwrap();
        let whole = std::fs::read(&log).unwrap();
        let before = std::fs::read(&h5).unwrap();
        for cut in [0, 7, 24, 30, whole.len() / 2, whole.len() - 1] {
            std::fs::write(&log, &whole[..cut]).unwrap();
            assert_eq!(
                recover(&h5, false).unwrap(),
                Recovered::Dropped,
                "cut at {cut}"
            );
            assert_eq!(std::fs::read(&h5).unwrap(), before);
        }
        // A flipped byte: the checksum fails.
        let mut bad = whole.clone();
        bad[40] ^= 1;
        std::fs::write(&log, &bad).unwrap();
        assert_eq!(recover(&h5, false).unwrap(), Recovered::Dropped);
        assert_eq!(std::fs::read(&h5).unwrap(), before);
    }

    #[test]
    fn forged_logs_are_refused_and_change_nothing() {
        let (_d, h5, o) = setup();
        let log = path_for(&h5);
        write(&open_log(&log).unwrap(), &o, 3 * PAGE, false).unwrap();
        let whole = std::fs::read(&log).unwrap();
        let before = std::fs::read(&h5).unwrap();
        let forgeries = {
            let mut huge = whole.clone();
            huge[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
            let mut past_end = whole.clone();
            past_end[24..32].copy_from_slice(&1000u64.to_le_bytes());
            let mut alien = whole.clone();
            alien[..8].copy_from_slice(b"SOMETHNG");
            // A whole log (its checksum right) that would make the file 8 EiB.
            let mut far = whole.clone();
            far[8..16].copy_from_slice(&(1u64 << 63).to_le_bytes());
            let body = far.len() - 4;
            let crc = crc32fast::hash(&far[..body]);
            far[body..].copy_from_slice(&crc.to_le_bytes());
            [huge, past_end, alien, far]
        };
        for (i, f) in forgeries.iter().enumerate() {
            std::fs::write(&log, f).unwrap();
            let e = recover(&h5, false).err().map(|e| e.to_string());
            assert!(
                e.as_deref().is_some_and(|e| e.contains("commit log")),
                "forgery {i}: {e:?}"
            );
            assert_eq!(std::fs::read(&h5).unwrap(), before, "forgery {i}");
            assert_eq!(&std::fs::read(&log).unwrap(), f, "forgery {i}: log changed");
        }
    }
}
