//! The container's rules (SPEC §2–§3): header, directory, checksums,
//! chunk checksums and the matrix sections' place in it.

use super::*;

impl V<'_> {
    /// SPEC §8.9: matrices (\[D15] here, the rest in [`crate::matrix::check`]).
    pub(super) fn matrices(&mut self, h: &FileHeader, sections: &[DirectoryEntry]) {
        let kinds = [kind::MATRIX, kind::MATRIX_TILES];
        let Some(first) = sections.iter().find(|e| kinds.contains(&e.kind)) else {
            return;
        };
        if h.minor < spec::VERSION_MINOR_MATRIX {
            let msg = format!(
                "{} in a file of version {}.{}",
                section_name(first.kind),
                h.major,
                h.minor
            );
            self.format("D15", Some(first.kind), first.offset, msg);
        }
        let c = crate::container::Container {
            header: h.clone(),
            order: self.o,
            sections: sections.to_vec(),
        };
        for f in crate::matrix::check::check(self.b, &c) {
            if f.reserved {
                self.reserved(f.label, Some(f.section), f.offset, true, &f.message);
            } else {
                let class = if f.checksum { Class::Checksum } else { Class::Format };
                self.add(f.label, class, Some(f.section), f.offset, f.message);
            }
        }
    }

    /// SPEC §2–§3: header, directory, sections, padding, sequence-set kinds.
    /// SPEC §3.2: \[D17], then \[CS1]–\[CS3] of each CHUNK_SUMS.
    pub(super) fn chunk_sums(&mut self, header: &FileHeader, sections: &[DirectoryEntry]) {
        let c = crate::container::Container {
            header: header.clone(),
            order: self.o,
            sections: sections.to_vec(),
        };
        for e in sections.iter().filter(|e| e.kind == kind::CHUNK_SUMS) {
            if self.minor < spec::VERSION_MINOR_CHUNK_SUMS {
                let msg = format!("{} in a file of version 1.{}", section_name(e.kind), self.minor);
                self.format("D17", Some(e.kind), e.offset, msg);
            }
            for (label, at, message) in crate::container::chunk_problems(self.b, &c, e) {
                let class = if label == "CS3" { Class::Checksum } else { Class::Format };
                self.add(label, class, Some(kind::CHUNK_SUMS), at, message);
            }
        }
    }

    pub(super) fn container(&mut self) -> Option<(FileHeader, Vec<DirectoryEntry>)> {
        let b = self.b;
        let len = b.len() as u64;
        if len < 64 {
            self.format(
                "H6",
                None,
                len,
                format!("file is {len} bytes, shorter than the 64-byte header"),
            );
            return None;
        }
        if b[..8] != spec::MAGIC {
            self.format("H1", None, 0, "bad magic: not a tribit file".into());
            return None;
        }
        let sig = [b[8], b[9], b[10], b[11]];
        self.o = if u32::from_le_bytes(sig) == spec::SIGNATURE {
            ByteOrder::Little
        } else if u32::from_be_bytes(sig) == spec::SIGNATURE {
            ByteOrder::Big
        } else {
            self.format("H2", None, 8, format!("bad byte-order signature {sig:02X?}"));
            return None;
        };
        let h: FileHeader = from_bytes(&b[..64], self.o, None, 0).ok()?;
        self.minor = h.minor;
        if h.major != spec::VERSION_MAJOR {
            let msg = format!("major version {} is not {}", h.major, spec::VERSION_MAJOR);
            self.add("H3", Class::Unsupported, None, 12, msg);
            return None;
        }
        self.sum(
            "H10",
            None,
            56,
            &b[..spec::HEADER_CHECKSUMMED_LEN],
            h.header_checksum,
            "header",
        );
        if h.header_len < spec::HEADER_LEN || h.header_len as u64 > len {
            self.format(
                "H4",
                None,
                16,
                format!("header_len {} is below 64 or past the end of the file", h.header_len),
            );
            return None;
        }
        self.reserved("H5", None, 20, h.flags != 0, "header flags");
        if h.file_len != len {
            self.format(
                "H6",
                None,
                24,
                format!("header says {} bytes, file has {len}", h.file_len),
            );
        }
        let el = h.directory_entry_len as u64;
        if el < spec::DIRECTORY_ENTRY_LEN as u64 {
            self.format("H8", None, 44, format!("directory_entry_len {el} is below 48"));
            return None;
        }
        let dir_off = h.directory_offset;
        let dir = (h.directory_count as u64)
            .checked_mul(el)
            .and_then(|n| u64_range(dir_off, n, len));
        let placed = dir_off.is_multiple_of(64) && dir_off >= h.header_len as u64;
        let Some(dir) = dir.filter(|d| placed && d.end as u64 == len) else {
            self.format(
                "H7",
                None,
                32,
                format!(
                    "directory at {dir_off} with {} entries of {el} bytes does not end the file",
                    h.directory_count
                ),
            );
            return None;
        };
        self.sum("H9", None, dir_off, &b[dir.clone()], h.directory_checksum, "directory");
        let mut sections = Vec::new();
        let mut covered = vec![(0u64, h.header_len as u64), (dir_off, len)];
        for (i, raw) in b[dir].chunks_exact(el as usize).enumerate() {
            let at = dir_off + i as u64 * el;
            let Ok(e) = from_bytes::<DirectoryEntry>(&raw[..48], self.o, None, at) else {
                continue;
            };
            let s = Some(e.kind);
            if e.kind == 0 {
                self.format("D1", None, at, "section kind 0".into());
                continue;
            }
            self.reserved(
                "D2",
                s,
                at + 4,
                e.flags & !spec::SECTION_FLAG_REQUIRED != 0,
                "flag bits 1-31",
            );
            self.reserved(
                "D6",
                s,
                at + 32,
                e.reserved0 != 0 || e.reserved1 != 0,
                "directory entry bytes 36-47",
            );
            if e.offset % 64 != 0 || e.offset < h.header_len as u64 {
                self.format(
                    "D3",
                    s,
                    at + 8,
                    format!("offset {} is not a multiple of 64 at or after the header", e.offset),
                );
                continue;
            }
            let Some(range) = u64_range(e.offset, e.length, dir_off) else {
                self.format(
                    "D4",
                    s,
                    at + 16,
                    format!("[{}, +{}) runs past the directory at {dir_off}", e.offset, e.length),
                );
                continue;
            };
            if e.kind == kind::REFERENCES && self.minor < spec::VERSION_MINOR_REFERENCE {
                let msg = format!("{} in a file of version 1.{}", section_name(e.kind), self.minor);
                self.format("D16", Some(e.kind), at, msg);
            }
            if known_kind(e.kind) {
                let want = !matches!(e.kind, kind::NONACGT_SUMMARY | kind::HASH_INDEX | kind::CHUNK_SUMS);
                if e.required() != want {
                    self.format("D9", s, at + 4, format!("required flag must be {}", want as u8));
                }
            } else if e.required() {
                self.add(
                    "D10",
                    Class::Unsupported,
                    s,
                    at,
                    format!("required {} is not known to version 1.0", section_name(e.kind)),
                );
            }
            self.sum("D5", s, e.offset, &b[range], e.checksum, &section_name(e.kind));
            covered.push((e.offset, e.offset + e.length));
            sections.push(e);
        }
        let mut live: Vec<&DirectoryEntry> = sections.iter().filter(|e| e.length > 0).collect();
        live.sort_by_key(|e| e.offset);
        for w in live.windows(2) {
            if w[0].offset + w[0].length > w[1].offset {
                let msg = format!("overlaps {}", section_name(w[0].kind));
                self.format("D7", Some(w[1].kind), w[1].offset, msg);
            }
        }
        covered.sort();
        let mut pos = 0u64;
        for (s, e) in covered {
            if s > pos {
                if let Some(k) = b[pos as usize..s as usize].iter().position(|&x| x != 0) {
                    self.format(
                        "D8",
                        None,
                        pos + k as u64,
                        "padding between sections is not zero".into(),
                    );
                }
            }
            pos = pos.max(e);
        }
        let seq_kinds = spec::SEQUENCE_SET.iter().copied().chain([kind::NONACGT_SUMMARY]);
        for k in seq_kinds {
            let n = sections.iter().filter(|e| e.kind == k).count();
            if n > 1 {
                self.format("K1", Some(k), h.directory_offset, format!("{n} sections of this kind"));
            }
        }
        let n = sections.iter().filter(|e| e.kind == kind::REFERENCES).count();
        if n > 1 {
            let msg = format!("{n} REFERENCES sections");
            self.format("RF7", Some(kind::REFERENCES), h.directory_offset, msg);
        }
        for k in [kind::MASK_BITMAP, kind::EXCEPTION_NIBBLES] {
            let n = sections.iter().filter(|e| e.kind == k).count();
            if n > 1 {
                self.format("K4", Some(k), h.directory_offset, format!("{n} sections of this kind"));
            }
            if let Some(e) = sections.iter().find(|e| e.kind == k) {
                if h.minor < spec::VERSION_MINOR_DENSE {
                    let msg = format!("{} in a file of version {}.{}", section_name(k), h.major, h.minor);
                    self.format("D13", Some(k), e.offset, msg);
                }
            }
        }
        Some((h, sections))
    }
}
