//! The container's rules (SPEC §2–§3): header, directory, checksums,
//! chunk checksums and the matrix sections' place in it.

use super::*;
use crate::container::Fault;
use crate::error::ErrorKind;

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

    /// SPEC §2–§3 through the container's own checker, every rule
    /// including the ones a reader may leave to validators.
    pub(super) fn container(&mut self) -> Option<(FileHeader, Vec<DirectoryEntry>)> {
        let c = crate::container::check(self.b, self)?;
        self.o = c.order;
        self.minor = c.header.minor;
        Some((c.header, c.sections))
    }
}

impl crate::container::Sink for V<'_> {
    fn fault(&mut self, f: Fault) -> bool {
        let class = match f.kind {
            _ if f.note => Class::Note,
            ErrorKind::Checksum => Class::Checksum,
            ErrorKind::Unsupported => Class::Unsupported,
            _ => Class::Format,
        };
        self.add(f.rule, class, f.section, f.offset, f.message);
        true
    }

    fn deep(&self) -> bool {
        true
    }
}
