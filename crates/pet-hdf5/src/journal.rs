//! The sidecar journal `<file>.journal`: an append-only log of every change
//! since the last checkpoint, one frame per store call
//! (`[len u32 LE][crc32 u32 LE][CBOR]`), written before the call returns.
//! The journal file also carries the writer's lock.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use fs4::fs_std::FileExt;
use pet_core::{codec, PetError, Result};
use serde::Serialize;

use crate::error::io;
use crate::ops::Op;

/// First bytes of every journal.
const MAGIC: &[u8; 8] = b"PETJRNL1";
/// Largest frame accepted (a frame is one store call).
const MAX_FRAME: usize = 1 << 31;

/// The journal of a store opened for writing; holds an exclusive lock while open.
pub struct Journal {
    path: PathBuf,
    file: File,
    len: u64,
    records: usize,
    sync: bool,
}

/// The journal path of an HDF5 file.
pub fn path_for(h5: &Path) -> PathBuf {
    let mut s = h5.as_os_str().to_owned();
    s.push(".journal");
    PathBuf::from(s)
}

fn busy(h5: &Path) -> PetError {
    PetError::backend_msg(
        "hdf5",
        format!(
            "{} is being written by another process (HDF5 allows one writer per file); \
             wait for it to finish, or give each process its own file and merge them later;              a sweep shared by several processes needs a store for many writers: an SQLite              file (processes on one machine) or MongoDB (many machines)",
            h5.display()
        ),
    )
}

/// True when the journal of `h5` holds changes (its writer stopped before a checkpoint).
pub fn has_records(h5: &Path) -> bool {
    std::fs::metadata(path_for(h5)).is_ok_and(|m| m.len() > MAGIC.len() as u64)
}

/// The last known-good copy kept in `recovery=backup` mode.
pub fn backup_for(h5: &Path) -> PathBuf {
    let mut s = h5.as_os_str().to_owned();
    s.push(".bak");
    PathBuf::from(s)
}

/// Fails when another process writes `h5` (it holds the journal's lock).
pub fn check_unlocked(h5: &Path) -> Result<()> {
    match File::open(path_for(h5)) {
        Ok(f) if !matches!(FileExt::try_lock_shared(&f), Ok(true)) => Err(busy(h5)),
        _ => Ok(()),
    }
}

/// For readers: fails when a writer holds the journal or left changes in it.
pub fn check_no_writer(h5: &Path) -> Result<()> {
    check_unlocked(h5)?;
    let p = path_for(h5);
    let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
    if len > MAGIC.len() as u64 {
        return Err(PetError::Format {
            location: h5.display().to_string(),
            reason: format!(
                "a writer stopped before its last checkpoint and {} holds changes not yet in the file; \
                 open the store once read-write (without mode=ro) to replay them",
                p.display()
            ),
        });
    }
    Ok(())
}

impl Journal {
    /// Opens (creating) and locks the journal of `h5`; returns it and the
    /// complete frames it holds (a torn last frame is cut off).
    pub fn open(h5: &Path, sync: bool) -> Result<(Journal, Vec<Op>)> {
        let path = path_for(h5);
        let shown = path.display().to_string();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io(&format!("cannot open the journal {shown}"), e))?;
        if !matches!(FileExt::try_lock_exclusive(&file), Ok(true)) {
            return Err(busy(h5));
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| io(&format!("cannot read the journal {shown}"), e))?;
        let (ops, good) = if bytes.len() >= MAGIC.len() && &bytes[..MAGIC.len()] == MAGIC {
            parse(&bytes[MAGIC.len()..]).map_err(|(frame, at)| PetError::Format {
                location: shown.clone(),
                reason: format!(
                    "frame {frame} (at byte {}) is damaged, and complete frames follow it: the \
                     journal holds changes pet reported stored after the damage, so pet neither \
                     replays nor cuts it. {} and the journal were left as they are; copy both \
                     somewhere safe before anything else touches them",
                    at + MAGIC.len(),
                    h5.display()
                ),
            })?
        } else if bytes.is_empty() {
            (Vec::new(), 0)
        } else {
            return Err(PetError::Format {
                location: shown,
                reason: "this is not a pet journal; move it away if it belongs to another program"
                    .into(),
            });
        };
        let mut j = Journal {
            path,
            file,
            len: 0,
            records: ops.len(),
            sync,
        };
        j.cut((MAGIC.len() + good) as u64)?;
        Ok((j, ops))
    }

    fn cut(&mut self, len: u64) -> Result<()> {
        let shown = self.path.display().to_string();
        self.file
            .set_len(len)
            .map_err(|e| io(&format!("cannot truncate the journal {shown}"), e))?;
        if len == MAGIC.len() as u64 {
            self.file
                .seek(SeekFrom::Start(0))
                .and_then(|_| self.file.write_all(MAGIC))
                .map_err(|e| io(&format!("cannot write the journal {shown}"), e))?;
        }
        self.file
            .seek(SeekFrom::Start(len))
            .map_err(|e| io(&format!("cannot seek in the journal {shown}"), e))?;
        if self.sync {
            self.file
                .sync_data()
                .map_err(|e| io(&format!("cannot sync the journal {shown}"), e))?;
        }
        self.len = len;
        Ok(())
    }

    /// Appends one operation; returns the length before it (for [`Journal::undo`]).
    pub fn append<T: Serialize>(&mut self, op: &T) -> Result<u64> {
        let payload = codec::to_cbor(op)?;
        if payload.len() > MAX_FRAME {
            return Err(PetError::invalid(format!(
                "one store call of {} bytes is more than the HDF5 journal takes in one frame \
                 ({MAX_FRAME} bytes); nothing was stored: store fewer or smaller runs per call",
                payload.len()
            )));
        }
        let mut frame = Vec::with_capacity(payload.len() + 8);
        frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        frame.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        frame.extend_from_slice(&payload);
        let before = self.len;
        let shown = self.path.display().to_string();
        self.file.write_all(&frame).map_err(|e| {
            io(
                &format!("cannot write the journal {shown} (nothing was stored)"),
                e,
            )
        })?;
        if self.sync {
            self.file
                .sync_data()
                .map_err(|e| io(&format!("cannot sync the journal {shown}"), e))?;
        }
        self.len += frame.len() as u64;
        self.records += 1;
        Ok(before)
    }

    /// Removes the frames after `len` (an operation that failed to apply).
    pub fn undo(&mut self, len: u64) -> Result<()> {
        self.records = self.records.saturating_sub(1);
        self.cut(len)
    }

    /// Empties the journal after a checkpoint.
    pub fn reset(&mut self) -> Result<()> {
        self.records = 0;
        self.cut(MAGIC.len() as u64)
    }

    /// Bytes in the journal.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Frames since the last checkpoint.
    pub fn records(&self) -> usize {
        self.records
    }
}

/// The frames of `body` and how many bytes they span. A damaged frame at the
/// end (torn by a crash while it was written: it runs past the end, or ends
/// exactly there with a bad checksum) ends the journal; a damaged frame with
/// more bytes after it is `Err((frame number, byte offset))`, since the frames
/// after it were reported stored.
fn parse(body: &[u8]) -> std::result::Result<(Vec<Op>, usize), (usize, usize)> {
    let mut ops = Vec::new();
    let mut at = 0;
    while body.len() - at >= 8 {
        let len = u32::from_le_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]) as usize;
        let crc = u32::from_le_bytes([body[at + 4], body[at + 5], body[at + 6], body[at + 7]]);
        let rest = body.len() - at - 8;
        if len > MAX_FRAME && rest > 0 {
            // No frame this long is ever written: a damaged length, not a torn write.
            return Err((ops.len(), at));
        }
        if len > MAX_FRAME || rest < len {
            // Runs past the end: the torn last frame.
            break;
        }
        let payload = &body[at + 8..at + 8 + len];
        let last = rest == len;
        let op = (crc32fast::hash(payload) == crc)
            .then(|| codec::from_cbor::<Op>(payload).ok())
            .flatten();
        match op {
            Some(op) => ops.push(op),
            None if last => break,
            None => return Err((ops.len(), at)),
        }
        at += 8 + len;
    }
    Ok((ops, at))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn torn_and_corrupt_frames_are_dropped_and_cut() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = dir.path().join("a.h5");
        {
            let (mut j, ops) = Journal::open(&h5, false).unwrap();
            assert!(ops.is_empty());
            j.append(&Op::Remove("one".into())).unwrap();
            j.append(&Op::Remove("two".into())).unwrap();
        }
        let p = path_for(&h5);
        let full = std::fs::read(&p).unwrap();
        // A torn last frame: only part of it reached the file.
        std::fs::write(&p, &full[..full.len() - 3]).unwrap();
        let (j, ops) = Journal::open(&h5, false).unwrap();
        assert!(matches!(&ops[..], [Op::Remove(t)] if t == "one"));
        let cut = j.len();
        drop(j);
        assert_eq!(std::fs::metadata(&p).unwrap().len(), cut);
        // A flipped byte fails the checksum.
        let mut bad = full.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0xff;
        std::fs::write(&p, &bad).unwrap();
        let (_, ops) = Journal::open(&h5, false).unwrap();
        assert_eq!(ops.len(), 1);
    }

    #[test]
    fn a_damaged_frame_in_the_middle_refuses_to_open_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = dir.path().join("m.h5");
        {
            let (mut j, _) = Journal::open(&h5, false).unwrap();
            for t in ["one", "two", "three"] {
                j.append(&Op::Remove(t.into())).unwrap();
            }
        }
        let p = path_for(&h5);
        let mut bytes = std::fs::read(&p).unwrap();
        // The second frame's payload: after the magic, the first frame, and the second's header.
        let first = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
        bytes[8 + 8 + first + 8] ^= 0xff;
        std::fs::write(&p, &bytes).unwrap();
        let e = Journal::open(&h5, false).err().unwrap().to_string();
        assert!(
            e.contains("frame 1") && e.contains("complete frames follow"),
            "{e}"
        );
        assert_eq!(std::fs::read(&p).unwrap(), bytes, "the journal was changed");
    }

    #[test]
    fn a_forged_frame_length_is_refused_not_taken_for_a_torn_end() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = dir.path().join("f.h5");
        {
            let (mut j, _) = Journal::open(&h5, false).unwrap();
            j.append(&Op::Remove("one".into())).unwrap();
            j.append(&Op::Remove("two".into())).unwrap();
        }
        let p = path_for(&h5);
        let mut bytes = std::fs::read(&p).unwrap();
        // The first frame claims 4 GiB - 1 bytes; the second frame follows it.
        bytes[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        std::fs::write(&p, &bytes).unwrap();
        let e = Journal::open(&h5, false).err().unwrap().to_string();
        assert!(e.contains("frame 0") && e.contains("damaged"), "{e}");
        assert_eq!(std::fs::read(&p).unwrap(), bytes, "the journal was changed");
    }

    #[test]
    fn a_locked_journal_means_another_writer() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = dir.path().join("b.h5");
        let (_j, _) = Journal::open(&h5, false).unwrap();
        let e = Journal::open(&h5, false).err().unwrap().to_string();
        assert!(e.contains("another process"), "{e}");
        assert!(check_no_writer(&h5).is_err());
    }
}
