//! The sidecar journal `<file>.journal`: an append-only log of every change
//! since the last checkpoint, one frame per store call
//! (`[len u32 LE][crc32 u32 LE][CBOR]`), written before the call returns.
//! The journal file also carries the writer's lock.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use fs4::fs_std::FileExt;
use pet_core::storage::file::with_suffix;
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
    with_suffix(h5, ".journal")
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
    with_suffix(h5, ".bak")
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
    /// Opens (creating) and locks the journal of `h5`, checking every frame
    /// in one streaming pass; a torn last frame is cut off. The frames are
    /// read again, one at a time, by [`Journal::frames`].
    pub fn open(h5: &Path, sync: bool) -> Result<Journal> {
        let path = path_for(h5);
        let shown = path.display().to_string();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io(&format!("cannot open the journal {shown}"), e))?;
        if !matches!(FileExt::try_lock_exclusive(&file), Ok(true)) {
            return Err(busy(h5));
        }
        let size = file
            .metadata()
            .map_err(|e| io(&format!("cannot read the journal {shown}"), e))?
            .len();
        let mut r = BufReader::with_capacity(1 << 20, &file);
        let mut head = [0u8; MAGIC.len()];
        let n = read_up_to(&mut r, &mut head)
            .map_err(|e| io(&format!("cannot read the journal {shown}"), e))?;
        let (records, good) = if n == MAGIC.len() && &head == MAGIC {
            scan(&mut r, size - MAGIC.len() as u64)
                .map_err(|e| io(&format!("cannot read the journal {shown}"), e))?
                .map_err(|(frame, at)| PetError::Format {
                    location: shown.clone(),
                    reason: format!(
                        "frame {frame} (at byte {}) is damaged, and complete frames follow it: the \
                         journal holds changes pet reported stored after the damage, so pet neither \
                         replays nor cuts it. {} and the journal were left as they are; copy both \
                         somewhere safe before anything else touches them",
                        at + MAGIC.len() as u64,
                        h5.display()
                    ),
                })?
        } else if size == 0 {
            (0, 0)
        } else {
            return Err(PetError::Format {
                location: shown,
                reason: "this is not a pet journal; move it away if it belongs to another program"
                    .into(),
            });
        };
        drop(r);
        let mut j = Journal {
            path,
            file,
            len: 0,
            records,
            sync,
        };
        j.cut(MAGIC.len() as u64 + good)?;
        Ok(j)
    }

    /// The journal's frames, decoded one at a time (the second pass of a replay).
    pub fn frames(&self) -> Result<Frames> {
        let shown = self.path.display().to_string();
        let f = File::open(&self.path)
            .map_err(|e| io(&format!("cannot read the journal {shown}"), e))?;
        let mut r = BufReader::with_capacity(1 << 20, f);
        let mut head = [0u8; MAGIC.len()];
        r.read_exact(&mut head)
            .map_err(|e| io(&format!("cannot read the journal {shown}"), e))?;
        Ok(Frames {
            r,
            left: self.records,
            shown,
            buf: Vec::new(),
        })
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
        let written = self.file.write_all(&frame).and_then(|_| {
            if self.sync {
                self.file.sync_data()
            } else {
                Ok(())
            }
        });
        if let Err(e) = written {
            // A full disk may have taken part of the frame: cut it, so the
            // next frame does not follow a damaged one.
            let _ = self.cut(before);
            return Err(io(
                &format!("cannot write the journal {shown} (nothing was stored)"),
                e,
            ));
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

/// The frames of a journal body of `size` bytes read from `r`: how many are
/// whole and how many bytes they span. A damaged frame at the end (torn by a
/// crash while it was written: it runs past the end, or ends exactly there
/// with a bad checksum) ends the journal; a damaged frame with more bytes
/// after it is `Err((frame number, byte offset))`, since the frames after it
/// were reported stored. Only one frame is held in memory, and its length is
/// checked against the bytes left before it is allocated.
fn scan(
    r: &mut impl Read,
    size: u64,
) -> std::io::Result<std::result::Result<(usize, u64), (usize, u64)>> {
    let mut frames = 0;
    let mut at = 0u64;
    let mut payload = Vec::new();
    while size - at >= 8 {
        let mut head = [0u8; 8];
        r.read_exact(&mut head)?;
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as u64;
        let crc = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        let rest = size - at - 8;
        if len > MAX_FRAME as u64 && rest > 0 {
            // No frame this long is ever written: a damaged length, not a torn write.
            return Ok(Err((frames, at)));
        }
        if len > MAX_FRAME as u64 || rest < len {
            // Runs past the end: the torn last frame.
            break;
        }
        payload.resize(len as usize, 0);
        r.read_exact(&mut payload)?;
        if crc32fast::hash(&payload) != crc {
            if rest == len {
                break;
            }
            return Ok(Err((frames, at)));
        }
        frames += 1;
        at += 8 + len;
    }
    Ok(Ok((frames, at)))
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The frames of a checked journal, read and decoded one at a time.
pub struct Frames {
    r: BufReader<File>,
    left: usize,
    shown: String,
    buf: Vec<u8>,
}

impl Iterator for Frames {
    type Item = Result<Op>;

    fn next(&mut self) -> Option<Result<Op>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let mut head = [0u8; 8];
        let read = self.r.read_exact(&mut head).and_then(|_| {
            let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
            // Checked by `scan` when the journal was opened (and still locked).
            self.buf.resize(len.min(MAX_FRAME), 0);
            self.r.read_exact(&mut self.buf)
        });
        Some(match read {
            Ok(()) => codec::from_cbor::<Op>(&self.buf),
            Err(e) => Err(io(&format!("cannot read the journal {}", self.shown), e)),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ops(j: &Journal) -> Vec<Op> {
        j.frames().unwrap().map(|f| f.unwrap()).collect()
    }

    #[test]
    fn torn_and_corrupt_frames_are_dropped_and_cut() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = dir.path().join("a.h5");
        {
            let mut j = Journal::open(&h5, false).unwrap();
            assert!(ops(&j).is_empty());
            j.append(&Op::Remove("one".into())).unwrap();
            j.append(&Op::Remove("two".into())).unwrap();
        }
        let p = path_for(&h5);
        let full = std::fs::read(&p).unwrap();
        // A torn last frame: only part of it reached the file.
        std::fs::write(&p, &full[..full.len() - 3]).unwrap();
        let j = Journal::open(&h5, false).unwrap();
        assert!(matches!(&ops(&j)[..], [Op::Remove(t)] if t == "one"));
        let cut = j.len();
        drop(j);
        assert_eq!(std::fs::metadata(&p).unwrap().len(), cut);
        // A flipped byte fails the checksum.
        let mut bad = full.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0xff;
        std::fs::write(&p, &bad).unwrap();
        let j = Journal::open(&h5, false).unwrap();
        assert_eq!(ops(&j).len(), 1);
    }

    #[test]
    fn a_damaged_frame_in_the_middle_refuses_to_open_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let h5 = dir.path().join("m.h5");
        {
            let mut j = Journal::open(&h5, false).unwrap();
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
            let mut j = Journal::open(&h5, false).unwrap();
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
        let _j = Journal::open(&h5, false).unwrap();
        let e = Journal::open(&h5, false).err().unwrap().to_string();
        assert!(e.contains("another process"), "{e}");
        assert!(check_no_writer(&h5).is_err());
    }
}
