//! The commit log `<file>.commit`: the pages one checkpoint changes in the
//! checkpointed part of the HDF5 file, written whole before any of them is,
//! so a checkpoint torn by a crash is finished (or never begun) at the next
//! open. Format: `PETCMIT1`, the file's new length (u64 LE), the page count
//! n (u64 LE), n × (page number u64 LE, 4096 bytes), CRC-32 of all before
//! (u32 LE). Pages are in increasing order and below the new length.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use pet_core::{PetError, Result};

use crate::error::{corrupt, io};
use crate::overlay::{Overlay, PAGE};

const MAGIC: &[u8; 8] = b"PETCMIT1";
const HEADER: u64 = 24;
const ENTRY: u64 = 8 + PAGE;
const TRAILER: u64 = 4;

/// The commit log path of an HDF5 file.
pub fn path_for(h5: &Path) -> PathBuf {
    let mut s = h5.as_os_str().to_owned();
    s.push(".commit");
    PathBuf::from(s)
}

/// Writes the commit log of a checkpoint whose file ends at `len`.
pub fn write(log: &Path, overlay: &Overlay, len: u64, sync: bool) -> io::Result<()> {
    let f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(log)?;
    let mut w = Crc::new(BufWriter::with_capacity(1 << 20, f));
    w.write_all(MAGIC)?;
    w.write_all(&len.to_le_bytes())?;
    let pages: Vec<(u64, &[u8])> = overlay.pages().collect();
    w.write_all(&(pages.len() as u64).to_le_bytes())?;
    for (n, page) in pages {
        w.write_all(&n.to_le_bytes())?;
        w.write_all(page)?;
    }
    let crc = w.crc.clone().finalize();
    let mut inner = w.inner;
    inner.write_all(&crc.to_le_bytes())?;
    let f = inner.into_inner().map_err(|e| e.into_error())?;
    if sync {
        f.sync_data()?;
    }
    Ok(())
}

/// Writes the overlay's pages into `file` and sets its length to `len`.
pub fn apply_overlay(file: &File, overlay: &Overlay, len: u64) -> io::Result<()> {
    let half = overlay.pages().count() / 2;
    for (k, (n, page)) in overlay.pages().enumerate() {
        if k == half {
            crate::faults::reach("half-applied");
        }
        put_page(file, n, page, len)?;
    }
    set_len(file, len)
}

fn put_page(file: &File, n: u64, page: &[u8], len: u64) -> io::Result<()> {
    let start = n * PAGE;
    if start < len {
        let keep = (len - start).min(PAGE) as usize;
        file.write_all_at(&page[..keep], start)?;
    }
    Ok(())
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
        return Ok(Found::Torn);
    }
    let mut r = Crc::new(BufReader::with_capacity(1 << 20, f));
    let read_err = |e| io(&format!("cannot read the commit log {shown}"), e);
    let mut head = [0u8; HEADER as usize];
    r.read_exact(&mut head).map_err(read_err)?;
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
        Some(w) if w == size => {}
        // Shorter than its header says: the write was cut.
        Some(w) if w > size => return Ok(Found::Torn),
        _ => return Err(forged(&shown, "it is longer than its page count says")),
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
        put_page(file, u64_at(&entry, 0), &entry[8..], len).map_err(write_err)?;
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
        Found::Complete { pages, .. } => {
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

/// A reader or writer that keeps the CRC-32 of the bytes through it.
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

impl<T: Write> Write for Crc<T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
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
        write(&path_for(&h5), &o, 2 * PAGE + 20, false).unwrap();
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
    fn a_torn_log_at_any_length_changes_nothing() {
        let (_d, h5, o) = setup();
        let log = path_for(&h5);
        write(&log, &o, 3 * PAGE, false).unwrap();
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
        write(&log, &o, 3 * PAGE, false).unwrap();
        let whole = std::fs::read(&log).unwrap();
        let before = std::fs::read(&h5).unwrap();
        let forgeries = {
            let mut huge = whole.clone();
            huge[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
            let mut longer = whole.clone();
            longer.extend_from_slice(&[0u8; 9000]);
            let mut past_end = whole.clone();
            past_end[24..32].copy_from_slice(&1000u64.to_le_bytes());
            let mut alien = whole.clone();
            alien[..8].copy_from_slice(b"SOMETHNG");
            [huge, longer, past_end, alien]
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
