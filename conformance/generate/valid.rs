//! The valid vectors 000–091 (SPEC §2–§8, §15): every minor version's
//! features, in both byte orders, from the reference writer.

use super::*;

/// Adds the valid vectors 000–091 to `v`.
pub(super) fn vectors(v: &mut Vec<Vector>) {
    let mut valid = |name, bytes, spec, description| {
        v.push(Vector {
            name,
            bytes,
            invalid: None,
            validator_only: false,
            spec,
            description,
            reference: None,
        });
    };

    let empty = ContainerWriter::new(Cursor::new(Vec::new()), ByteOrder::Little)
        .and_then(|c| c.finish())
        .expect("empty")
        .into_inner();
    valid(
        "000_empty_container",
        empty.clone(),
        "§2, §3",
        "a 64-byte header and an empty directory: no sequences",
    );
    valid(
        "001_one_sequence",
        import(b">s\nACGT\n", ByteOrder::Little, 512, false),
        "§4–§6",
        "one sequence of four bases",
    );
    let every = import(EVERY_CODE, ByteOrder::Little, 512, false);
    valid(
        "002_every_code",
        every.clone(),
        "§4, §6.3, §6.4",
        "every stored letter in both cases: A C G T N, the twelve exception letters, masks",
    );
    valid(
        "003_big_endian",
        import(EVERY_CODE, ByteOrder::Big, 512, false),
        "§2.2",
        "002 written big-endian: integer fields swapped, planes identical",
    );
    valid("004_block_boundaries", import(&boundaries_fasta(), ByteOrder::Little, 512, false), "§5, §5.1", "sequences of 511, 512, 0, 1100 and 3 bases across 512-position blocks, with masks and exceptions at block edges");
    let layout = b"> s1\tdescription after a tab\r\nACGT\r\nAC\r\n\r\n\r\n>s2 x\r\nGG";
    valid("005_fasta_layout", import(layout, ByteOrder::Little, 512, false), "§6.1, §7", "CR LF endings, a space before the name, a tab before the description, blank lines after a record, no final newline");
    valid(
        "006_refget",
        import(TWO, ByteOrder::Little, 512, true),
        "§6.1",
        "refget digests present (index flag bit 0)",
    );
    let with_private = with_private_section();
    valid(
        "007_unknown_optional_section",
        with_private.clone(),
        "§3.1, §10",
        "a private optional section before the sequences: readers skip it",
    );
    let newer_minor = {
        let mut c = ContainerWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).expect("container");
        c.add_section(0x0110, false, 9, b"defined by a later minor version")
            .expect("future");
        let mut w = WriterBuilder::default()
            .set_block_bases(512)
            .build_with(c)
            .expect("writer");
        fasta::read_fasta(TWO, &mut w).expect("fasta");
        let mut b = w.finish().expect("finish").into_inner();
        b[14] = 1; // minor = 1
        reseal_header(&mut b);
        b
    };
    valid(
        "008_newer_minor_version",
        newer_minor,
        "§2.3, §10",
        "minor version 1 with an optional section kind this version does not define",
    );
    let shorties = include_bytes!("../../testdata/shorties.fa");
    valid(
        "009_real_shorties",
        import(shorties, ByteOrder::Little, 1 << 14, false),
        "all",
        "20 real sequences (lastz-examples shorties.fa, MIT)",
    );
    let many: Vec<u8> = (0..300)
        .flat_map(|i| format!(">contig_{i}\nAC{}\n", "GT".repeat(i % 5)).into_bytes())
        .collect();
    valid(
        "010_many_names",
        import(&many, ByteOrder::Little, 512, false),
        "§6.2",
        "300 names: the name hash has probe chains",
    );

    valid(
        "011_longer_header_and_entries",
        longer_header_and_entries(),
        "§2, §3, §13.1",
        "header_len 128 and directory_entry_len 64: readers accept the longer structures and ignore their extra bytes",
    );
    let two = import(TWO, ByteOrder::Little, 512, false);
    let longer_records = rebuild(&two, |k, d| {
        if k != kind::SEQUENCE_INDEX {
            return d.to_vec();
        }
        let mut out = d[..64].to_vec();
        out[20..24].copy_from_slice(&144u32.to_le_bytes());
        for rec in d[64..].chunks(128) {
            out.extend_from_slice(rec);
            out.extend_from_slice(&[0; 16]);
        }
        out
    });
    valid(
        "012_longer_records",
        longer_records,
        "§6, §13.1",
        "record_len 144: readers step over the 16 extra bytes of each record",
    );

    valid(
        "013_table",
        table_file(ByteOrder::Little),
        "§8.1–§8.5",
        "a table of every column type with nulls, a dictionary, and two hash indexes (one composite)",
    );
    valid(
        "014_table_big_endian",
        table_file(ByteOrder::Big),
        "§2.2, §8",
        "013 written big-endian: cells, dictionary and index in big-endian",
    );
    valid(
        "020_grown_file",
        grown_file(),
        "§3, §8, §15",
        "sequences, then a table added later, a second table with a dictionary and an index, then an index added to the first table: its HASH_INDEX follows the second table's sections",
    );
    valid(
        "030_dense_forms",
        import(&dense_fasta(), ByteOrder::Little, 512, false),
        "§6.5, §6.6",
        "version 1.2: a mask bitmap and exception nibbles for sequences whose runs are short, beside a sequence in run form",
    );
    valid(
        "031_dense_forms_big_endian",
        import(&dense_fasta(), ByteOrder::Big, 512, false),
        "§2.2, §6.6",
        "030 written big-endian: the offset tables swapped, bitmaps and nibbles identical",
    );
    let index_file = index_file(&table_file(ByteOrder::Little));
    valid(
        "040_index_file",
        index_file.clone(),
        "§8.4, §8.8",
        "version 1.3: an index file for the table of 013, with indexes on (CODE) and (U16, ID) tied to it by an INDEX_TARGET",
    );
    valid(
        "050_zstd_blocks",
        import_zstd(&boundaries_fasta(), ByteOrder::Little),
        "§5.3",
        "version 1.4: 004's sequences in zstd blocks of 512 positions, stored back to back at offsets that are not multiples of 64",
    );
    valid(
        "051_zstd_blocks_big_endian",
        import_zstd(&boundaries_fasta(), ByteOrder::Big),
        "§2.2, §5.3",
        "050 written big-endian: integer fields swapped, the zstd frames identical",
    );
    valid(
        "070_matrix",
        matrix_file(ByteOrder::Little),
        "§8.9",
        "version 1.5: an f32 matrix of 5 x 7 in tiles of 2 x 3 (a short last band, two padding columns) with null cells, and a u16 matrix, each with its name tables",
    );
    valid(
        "071_matrix_big_endian",
        matrix_file(ByteOrder::Big),
        "§2.2, §8.9",
        "070 written big-endian: header, checksums and cells swapped",
    );
    valid(
        "090_chunk_sums_table",
        table_file_chunked(ByteOrder::Little, Some(6)),
        "§3.2, §8",
        "version 1.7: the table of 013 with chunk checksums in chunks of 64 bytes after its TABLE, its dictionary and both indexes (each longer than one chunk)",
    );
    valid(
        "091_chunk_sums_table_big_endian",
        table_file_chunked(ByteOrder::Big, Some(6)),
        "§2.2, §3.2",
        "090 written big-endian: the chunk checksum header and sums swapped",
    );
    valid(
        "095_compact_index",
        table_file_compact(ByteOrder::Little),
        "§8.4",
        "version 1.8: the table of 013 with both indexes in the compact layout: GENE's keys as posting lists with a count word, (GENE, ID)'s single rows inline in the entries",
    );
    valid(
        "096_compact_index_big_endian",
        table_file_compact(ByteOrder::Big),
        "§2.2, §8.4",
        "095 written big-endian: directory, fingerprints, refs and posting words swapped",
    );
    valid(
        "097_compact_index_file",
        index_file_in(&table_file(ByteOrder::Little), tribit::index::IndexLayout::Compact),
        "§8.4, §8.8",
        "version 1.8: 040's index file with its indexes on (CODE) and (U16, ID) in the compact layout",
    );
}
