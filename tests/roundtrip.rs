//! Round trips through the library: FASTA text → tribit → FASTA text, and
//! fetches checked against a naive slice of the input.

mod common;

use std::io::Cursor;

use common::{export, import, naive_records, testdata, Rng, REAL};
use proptest::prelude::*;
use tribit::container::ByteOrder;
use tribit::{Reader, Region, WriterBuilder};

#[test]
fn real_genomes_round_trip_byte_for_byte_in_both_byte_orders() {
    for name in REAL {
        let text = std::fs::read(testdata(name)).unwrap();
        for order in [ByteOrder::Little, ByteOrder::Big] {
            let r = import(&text, order, 1 << 16);
            assert_eq!(r.byte_order(), order);
            assert!(export(&r) == text, "{name} ({order:?}) did not round-trip");
        }
    }
}

#[test]
fn edge_files_that_are_well_formed_round_trip() {
    let dir = testdata("edge");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let file = p.file_name().unwrap().to_string_lossy().into_owned();
        if !file.starts_with("ok_") {
            continue;
        }
        let text = std::fs::read(&p).unwrap();
        let r = import(&text, ByteOrder::Little, 512);
        assert!(export(&r) == text, "{file} did not round-trip");
        n += 1;
    }
    assert!(n >= 10, "expected the ok_ edge files, found {n}");
}

#[test]
fn fetches_match_a_naive_slice_of_real_data() {
    let text = std::fs::read(testdata("vibrio_cholerae_O1_chrII.fa")).unwrap();
    let recs = naive_records(&text);
    let r = import(&text, ByteOrder::Little, 4096);
    let mut rng = Rng(7);
    let mut out = Vec::new();
    for _ in 0..2000 {
        let (name, seq) = &recs[rng.below(recs.len() as u64) as usize];
        let a = rng.below(seq.len() as u64 + 1);
        let b = a + rng.below((seq.len() as u64 - a).min(20_000) + 1);
        let i = r.find(name.as_bytes()).unwrap().unwrap();
        out.clear();
        r.fetch(i, a, b, &mut out).unwrap();
        assert_eq!(out, &seq[a as usize..b as usize], "{name}:{a}-{b}");
    }
}

#[test]
fn digests_match_sam_m5_and_refget() {
    use md5::{Digest, Md5};
    let text = std::fs::read(testdata("shorties.fa")).unwrap();
    let recs = naive_records(&text);
    let mut w = WriterBuilder::default()
        .set_refget(true)
        .build(Cursor::new(Vec::new()))
        .unwrap();
    tribit::convert::fasta::read_fasta(&text[..], &mut w).unwrap();
    let r = Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap();
    assert_eq!(r.len(), 20);
    for (i, (_, seq)) in recs.iter().enumerate() {
        let up = seq.to_ascii_uppercase();
        let s = r.sequence(i).unwrap();
        assert_eq!(s.record.md5, <[u8; 16]>::from(Md5::digest(&up)));
        assert_eq!(s.record.refget[..], sha2::Sha512::digest(&up)[..24]);
    }
    // A known value: SAM M5 of "ACGT" (md5sum of the text).
    let r = import(b">x\nACGT\n", ByteOrder::Little, 512);
    let hex: String = r
        .sequence(0)
        .unwrap()
        .record
        .md5
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hex, "f1f8f4bf413b16ad135722aa4591043e");
}

#[test]
fn writer_is_deterministic() {
    let text = std::fs::read(testdata("pseudopig2.fa")).unwrap();
    let a = import(&text, ByteOrder::Little, 1024);
    let b = import(&text, ByteOrder::Little, 1024);
    assert_eq!(a.bytes(), b.bytes());
}

#[test]
fn name_lookup_finds_every_name_and_nothing_else() {
    let mut text = Vec::new();
    for i in 0..3000 {
        text.extend_from_slice(format!(">contig_{i} len=4\nACGT\n").as_bytes());
    }
    let r = import(&text, ByteOrder::Big, 512);
    for i in 0..3000 {
        assert_eq!(r.find(format!("contig_{i}").as_bytes()).unwrap(), Some(i));
    }
    assert_eq!(r.find(b"contig_3000").unwrap(), None);
    assert_eq!(r.find(b"contig_1 len=4").unwrap(), None);
}

#[test]
fn regions_use_samtools_coordinates() {
    let r = import(b">chr1 d\nACGTACGTAC\n>chr1:5\nTTTT\n", ByteOrder::Little, 512);
    let g = |t: &str| Region::resolve(&r, t).map(|g| (g.index, g.start, g.end, g.clipped));
    assert_eq!(g("chr1").unwrap(), (0, 0, 10, false));
    assert_eq!(g("chr1:3").unwrap(), (0, 2, 10, false));
    assert_eq!(g("chr1:3-").unwrap(), (0, 2, 10, false));
    assert_eq!(g("chr1:-4").unwrap(), (0, 0, 4, false));
    assert_eq!(g("chr1:1,0-10").unwrap(), (0, 9, 10, false));
    assert_eq!(g("chr1:2-20").unwrap(), (0, 1, 10, true));
    assert_eq!(g("chr1:5").unwrap(), (1, 0, 4, false), "a whole name wins");
    assert_eq!(g("chr1:5:2-3").unwrap(), (1, 1, 3, false));
    assert!(g("chr1:0-3").is_err());
    assert!(g("chr1:11").is_err());
    assert!(g("chr1:5-4").is_err());
    assert!(g("chr2:1-2").is_err());
    assert!(g("chr1:x-2").is_err());
}

fn letters() -> impl Strategy<Value = Vec<u8>> {
    // Weighted so that runs of every kind appear: ACGT, masks, N runs, IUPAC.
    let letter = prop_oneof![
        8 => prop::sample::select(b"ACGT".to_vec()),
        4 => prop::sample::select(b"acgt".to_vec()),
        1 => prop::sample::select(b"Nn".to_vec()),
        1 => prop::sample::select(b"RYKMSWBDHVUryk-".to_vec()),
    ];
    let run = (letter, 1usize..40).prop_map(|(l, n)| vec![l; n]);
    prop::collection::vec(
        prop_oneof![
            run,
            prop::collection::vec(prop::sample::select(b"ACGTacgtN".to_vec()), 1..50)
        ],
        0..60,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn arbitrary_sequences_round_trip(
        seqs in prop::collection::vec((letters(), 1u64..130), 1..6),
        big in any::<bool>(),
        block_lines in 1u32..4,
    ) {
        let order = if big { ByteOrder::Big } else { ByteOrder::Little };
        let mut w = WriterBuilder::default()
            .set_byte_order(order)
            .set_block_bases(512 * block_lines)
            .build(Cursor::new(Vec::new()))
            .unwrap();
        for (i, (s, width)) in seqs.iter().enumerate() {
            w.add_sequence(format!("s{i} desc").as_bytes(), s, *width).unwrap();
        }
        let r = Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap();
        prop_assert_eq!(r.len(), seqs.len());
        let mut out = Vec::new();
        for (i, (s, _)) in seqs.iter().enumerate() {
            out.clear();
            r.fetch(i, 0, s.len() as u64, &mut out).unwrap();
            prop_assert_eq!(&out, s);
            let n = s.len() as u64;
            for k in 0..8 {
                let a = (k * 37) % (n + 1);
                let b = a + ((k * 101) % (n - a + 1));
                out.clear();
                r.fetch(i, a, b, &mut out).unwrap();
                prop_assert_eq!(&out[..], &s[a as usize..b as usize]);
            }
            let seq = r.sequence(i).unwrap();
            prop_assert_eq!(seq.record.n_count, s.iter().filter(|&&b| b == b'N' || b == b'n').count() as u64);
        }
    }

    #[test]
    fn arbitrary_fasta_text_round_trips(
        seqs in prop::collection::vec((letters(), 1usize..100), 1..5),
        crlf in any::<bool>(),
        blank in 0usize..3,
        final_newline in any::<bool>(),
    ) {
        let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
        let mut text = Vec::new();
        for (i, (s, width)) in seqs.iter().enumerate() {
            text.extend_from_slice(format!(">r{i}").as_bytes());
            text.extend_from_slice(eol);
            for line in s.chunks(*width) {
                text.extend_from_slice(line);
                text.extend_from_slice(eol);
            }
            for _ in 0..blank {
                text.extend_from_slice(eol);
            }
        }
        if !final_newline {
            text.truncate(text.len() - eol.len());
        }
        let r = import(&text, ByteOrder::Little, 512);
        prop_assert!(export(&r) == text);
    }
}
