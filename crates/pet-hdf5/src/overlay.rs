//! The page overlay of the checkpointing driver: writes that would change the
//! last checkpoint's part of the file wait here, in 4 KiB pages, until the
//! next checkpoint; writes past it go straight to the file (no checkpointed
//! object can point there). Reads see the overlay on top of the file.

use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// Bytes per overlay page.
pub const PAGE: u64 = 4096;

/// Pages written since the last checkpoint that lie (at least partly) in the
/// part of the file the checkpoint holds.
#[derive(Default)]
pub struct Overlay {
    pages: BTreeMap<u64, Box<[u8]>>,
    committed: u64,
}

impl Overlay {
    /// An empty overlay over a file whose checkpointed part ends at `committed`.
    pub fn new(committed: u64) -> Overlay {
        Overlay {
            pages: BTreeMap::new(),
            committed,
        }
    }

    /// Where the checkpointed part of the file ends.
    pub fn committed(&self) -> u64 {
        self.committed
    }

    /// Bytes held in memory.
    pub fn bytes(&self) -> u64 {
        self.pages.len() as u64 * PAGE
    }

    /// The pages held, by page number, in order.
    pub fn pages(&self) -> impl Iterator<Item = (u64, &[u8])> {
        self.pages.iter().map(|(&n, p)| (n, &p[..]))
    }

    /// Forgets every page after a checkpoint that ends at `committed`.
    pub fn clear(&mut self, committed: u64) {
        self.pages.clear();
        self.committed = committed;
    }

    /// Reads `buf.len()` bytes at `addr`: the file (zeros past its end) with
    /// the overlay's pages on top.
    pub fn read(&self, file: &File, addr: u64, buf: &mut [u8]) -> io::Result<()> {
        read_zero_filled(file, addr, buf)?;
        let Some(end) = addr.checked_add(buf.len() as u64) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "address overflow",
            ));
        };
        if buf.is_empty() || self.pages.is_empty() {
            return Ok(());
        }
        for (&n, page) in self.pages.range(addr / PAGE..=(end - 1) / PAGE) {
            let start = n * PAGE;
            let from = start.max(addr);
            let to = (start + PAGE).min(end);
            buf[(from - addr) as usize..(to - addr) as usize]
                .copy_from_slice(&page[(from - start) as usize..(to - start) as usize]);
        }
        Ok(())
    }

    /// Writes `buf` at `addr`: into the overlay where a page is held or lies
    /// in the checkpointed part (or everywhere with `hold_all`), into the
    /// file elsewhere.
    pub fn write(&mut self, file: &File, addr: u64, buf: &[u8], hold_all: bool) -> io::Result<()> {
        let Some(end) = addr.checked_add(buf.len() as u64) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "address overflow",
            ));
        };
        let mut at = addr;
        while at < end {
            let n = at / PAGE;
            let page_end = ((n + 1) * PAGE).min(end);
            if hold_all || self.pages.contains_key(&n) || n * PAGE < self.committed {
                // A write of the whole page need not read it first.
                let whole = at == n * PAGE && page_end == (n + 1) * PAGE;
                let page = if whole {
                    self.pages
                        .entry(n)
                        .or_insert_with(|| vec![0u8; PAGE as usize].into_boxed_slice())
                } else {
                    self.page(file, n)?
                };
                let off = (at - n * PAGE) as usize;
                page[off..off + (page_end - at) as usize]
                    .copy_from_slice(&buf[(at - addr) as usize..(page_end - addr) as usize]);
                at = page_end;
            } else {
                // Straight to the file, up to the next held page.
                let mut run_end = page_end;
                while run_end < end && !self.pages.contains_key(&(run_end / PAGE)) {
                    run_end = ((run_end / PAGE + 1) * PAGE).min(end);
                }
                file.write_all_at(&buf[(at - addr) as usize..(run_end - addr) as usize], at)?;
                at = run_end;
            }
        }
        Ok(())
    }

    /// The held page `n`, loaded from the file on first use.
    fn page(&mut self, file: &File, n: u64) -> io::Result<&mut Box<[u8]>> {
        match self.pages.entry(n) {
            std::collections::btree_map::Entry::Occupied(e) => Ok(e.into_mut()),
            std::collections::btree_map::Entry::Vacant(e) => {
                let mut p = vec![0u8; PAGE as usize].into_boxed_slice();
                read_zero_filled(file, n * PAGE, &mut p)?;
                Ok(e.insert(p))
            }
        }
    }
}

/// Reads `buf.len()` bytes at `addr`, zeros where the file ends before.
pub fn read_zero_filled(file: &File, addr: u64, buf: &mut [u8]) -> io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], addr + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf[done..].fill(0);
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn file_with(bytes: &[u8]) -> (tempfile::TempDir, File) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, bytes).unwrap();
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&p)
            .unwrap();
        (dir, f)
    }

    #[test]
    fn writes_below_the_checkpoint_stay_in_memory_and_reads_see_them() {
        let (_d, f) = file_with(&[7u8; 10_000]);
        let mut o = Overlay::new(10_000);
        // Spans pages 1, 2 and the tail past the checkpoint and the file.
        let data: Vec<u8> = (0..9000u32).map(|i| (i % 251) as u8).collect();
        o.write(&f, 5000, &data, false).unwrap();
        let mut disk = vec![0u8; 20_000];
        read_zero_filled(&f, 0, &mut disk).unwrap();
        assert!(
            disk[..10_000].iter().all(|&b| b == 7),
            "checkpointed bytes changed"
        );
        // Page 2 (8192..12288) holds checkpointed bytes, so all of it waits;
        // from page 3 (12288) on the write went to the file.
        assert_eq!(&disk[12_288..14_000], &data[12_288 - 5000..]);
        assert_eq!(o.bytes(), 2 * PAGE);
        let mut back = vec![0u8; 20_000];
        o.read(&f, 0, &mut back).unwrap();
        assert!(back[..5000].iter().all(|&b| b == 7));
        assert_eq!(&back[5000..14_000], &data[..]);
        assert!(back[14_000..].iter().all(|&b| b == 0));
        // A later write into a held page past the checkpoint stays in the page.
        o.write(&f, 12_000, &[1, 2, 3], false).unwrap();
        let mut three = [0u8; 3];
        o.read(&f, 12_000, &mut three).unwrap();
        assert_eq!(three, [1, 2, 3]);
        o.clear(14_000);
        assert_eq!(o.bytes(), 0);
    }

    #[test]
    fn writes_past_the_checkpoint_go_to_the_file() {
        let (_d, f) = file_with(&[0u8; 4096]);
        let mut o = Overlay::new(4096);
        o.write(&f, 8192, &[9u8; 100], false).unwrap();
        assert_eq!(o.bytes(), 0);
        let mut b = [0u8; 100];
        read_zero_filled(&f, 8192, &mut b).unwrap();
        assert_eq!(b, [9u8; 100]);
    }
}
