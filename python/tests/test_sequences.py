"""Sequences from Python, checked against pyfaidx on the real genomes of
testdata/ and against the CLI for k-mers."""

import hashlib
import random
import shutil
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyfaidx
import pytest

import tribit

from conftest import REAL, TESTDATA


def random_regions(rng, length, n, max_len=300):
    out = []
    for _ in range(n):
        a = rng.randrange(0, length + 1)
        b = min(length, a + rng.randrange(0, max_len))
        out.append((a, b))
    return out


@pytest.mark.parametrize("name", REAL)
def test_records_and_random_slices_equal_pyfaidx(genomes, name):
    fa_path, tb = genomes[name]
    f = tribit.open(tb)
    fa = pyfaidx.Fasta(str(fa_path), sequence_always_upper=False, as_raw=True, read_long_names=False)
    theirs = list(fa.keys())
    assert len(f) == len(theirs)
    rng = random.Random(hash(name) & 0xFFFF)
    for i, key in enumerate(theirs):
        rec = f[i]
        ref = fa[key]
        assert len(rec) == len(ref)
        if rec.name == key:
            assert f[key].index == i
        for a, b in random_regions(rng, len(rec), 20 if len(f) > 100 else 500):
            assert rec[a:b] == ref[a:b], (key, a, b)
    # The whole of one sequence, and its MD5 (SAM M5: upper-cased letters).
    rec = f[0]
    whole = str(rec)
    assert whole == fa[theirs[0]][:]
    assert rec.md5 == hashlib.md5(whole.upper().encode()).hexdigest()


def test_python_slice_rules(genomes):
    f = tribit.open(genomes["shorties.fa"][1])
    rec = f[3]
    s = str(rec)
    n = len(s)
    for key in [slice(None), slice(-10, None), slice(5, -5), slice(None, None, 3), slice(None, None, -1),
                slice(50, 10, -7), slice(n + 5, n + 10), slice(-n - 10, 3), slice(10, 5)]:
        assert rec[key] == s[key], key
    for i in [0, 1, n - 1, -1, -n]:
        assert rec[i] == s[i]
    with pytest.raises(IndexError):
        rec[n]
    with pytest.raises(tribit.RangeError):
        rec[-n - 1]
    with pytest.raises(TypeError):
        rec["x"]


def test_fetch_faidx_regions_and_reverse_complement_equal_pyfaidx(genomes):
    fa_path, tb = genomes["vibrio_cholerae_O1_chrII.fa"]
    f = tribit.open(tb)
    fa = pyfaidx.Fasta(str(fa_path), sequence_always_upper=False)
    name = f.keys()[0]
    rng = random.Random(3)
    for a, b in random_regions(rng, len(f[name]), 300):
        if a == b:
            continue
        region = f"{name}:{a + 1:,}-{b:,}"
        assert f.fetch(region) == fa[name][a:b].seq
        assert f.fetch(region, reverse_complement=True) == (-fa[name][a:b]).seq
    # The IUPAC letters of this genome (Y at 356433, R at 413177; 1-based).
    assert f.fetch(f"{name}:356433-356433") == "Y"
    assert f.fetch(f"{name}:413177-413177", reverse_complement=True) == "Y"
    assert tribit.reverse_complement("ACGTNacgtnRYKM") == "KMRYnacgtNACGT"


def test_fetch_many_list_array_and_bed_equal_single_fetches(genomes, tmp_path):
    fa_path, tb = genomes["sample_101s.fa"]
    f = tribit.open(tb)
    fa = pyfaidx.Fasta(str(fa_path), sequence_always_upper=False, as_raw=True)
    names = f.keys()
    rng = random.Random(11)
    regions = []
    for _ in range(2000):
        n = rng.choice(names)
        a = rng.randrange(0, 101)
        b = rng.randrange(a, 102)
        regions.append((n, a, b))
    want = [fa[n][a:b] for n, a, b in regions]
    assert f.fetch_many(regions) == want
    faidx = [f"{n}:{a + 1}-{b}" for n, a, b in regions if b > a]
    assert f.fetch_many(faidx) == [w for (n, a, b), w in zip(regions, want) if b > a]
    letters, offsets = f.fetch_many(regions, as_array=True)
    assert letters.dtype == np.uint8 and offsets.dtype == np.int64
    assert len(offsets) == len(regions) + 1 and offsets[-1] == len(letters)
    for i, w in enumerate(want):
        assert letters[offsets[i]:offsets[i + 1]].tobytes().decode() == w
    bed = tmp_path / "r.bed"
    bed.write_text("track name=x\n# comment\n" + "".join(f"{n}\t{a}\t{b}\tname\t0\t+\n" for n, a, b in regions))
    assert f.fetch_many(str(bed)) == want
    assert f.fetch_many(bed) == want


def test_kmer_counts_and_locations_equal_the_cli(genomes, cli):
    tb = genomes["vibrio_cholerae_O1_chrII.fa"][1]
    f = tribit.open(tb)
    kmers = ["ACGT", "GATC", "ACGTACGT", "TTTTTTTTTT", "CCAGG"]
    for both in (False, True):
        args = ["kmer", "count", tb, *kmers] + (["--both-strands"] if both else [])
        out = cli(*args).stdout.split("\n")
        want = [int(line.split("\t")[1]) for line in out if line]
        got = f.kmer_count(kmers, both_strands=both)
        assert got.dtype == np.uint64
        assert got.tolist() == want
    per = tribit.open(genomes["shorties.fa"][1]).kmer_count(["ACG", "T"], per_sequence=True)
    assert per.shape == (2, 20)
    assert per.sum(axis=1).tolist() == tribit.open(genomes["shorties.fa"][1]).kmer_count(["ACG", "T"]).tolist()
    loc = f.kmer_locate(["ACGTAC"], both_strands=True)
    lines = cli("kmer", "locate", tb, "ACGTAC", "--both-strands").stdout.splitlines()
    assert set(loc["strand"].tolist()) == {1, -1}
    assert len(lines) == len(loc["start"])
    for i, line in enumerate(lines):
        _, start, _, _, q, strand = line.split("\t")
        assert (int(start), int(q), strand) == (loc["start"][i], loc["query"][i], "+" if loc["strand"][i] > 0 else "-")
    assert f.kmer_count("ACGT").tolist() == [f.kmer_count(["ACGT"])[0]]
    # IUPAC letters and mismatches, as the CLI counts them.
    fuzzy = ["GGNCC", "TATAWAW"]
    out = cli("kmer", "count", tb, *fuzzy, "--both-strands", "--mismatches", "1").stdout.splitlines()
    assert f.kmer_count(fuzzy, both_strands=True, mismatches=1).tolist() == [int(line.split("\t")[1]) for line in out]
    forward = int(cli("kmer", "count", tb, "TATAWAW", "--mismatches", "1").stdout.split("\t")[1])
    assert len(f.kmer_locate(["TATAWAW"], mismatches=1)["start"]) == forward > 0


def test_bad_input_raises_clear_errors(genomes, tmp_path):
    tb = genomes["lambda_virus.fa"][1]
    f = tribit.open(tb)
    name = f.keys()[0]
    with pytest.raises(tribit.NotFoundError) as e:
        f["chrNope"]
    assert isinstance(e.value, KeyError) and "no sequence named 'chrNope'" in str(e.value)
    with pytest.raises(tribit.RangeError):
        f.fetch(f"{name}:100000-100010")
    with pytest.raises(tribit.InputError):
        f.fetch(f"{name}:x-10")
    with pytest.raises(IndexError):
        f[len(f)]
    with pytest.raises(TypeError):
        f[1.5]
    with pytest.raises(TypeError):
        f.fetch_many([1, 2])
    with pytest.raises(tribit.RangeError):
        f.fetch_many([(name, 10, 5)])
    with pytest.raises(tribit.RangeError):
        f[0].fetch(0, len(f[0]) + 1)
    with pytest.raises(tribit.InputError):
        f.kmer_count(["ACGX"])
    bed = tmp_path / "bad.bed"
    bed.write_text(f"{name}\t5\t10\n{name}\tfive\t10\n")
    with pytest.raises(tribit.InputError) as e:
        f.fetch_many(str(bed))
    assert e.value.line == 2 and "bad.bed" in str(e.value)
    with pytest.raises(tribit.IoError) as e:
        tribit.open(tmp_path / "missing.tbit")
    assert isinstance(e.value, OSError)
    # A damaged file: a metadata checksum fails at open.
    bad = tmp_path / "bad.tbit"
    data = bytearray(tb.read_bytes())
    data[-100] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(tribit.Error) as e:
        tribit.open(bad)
    assert "bad.tbit" in str(e.value) and e.value.offset is not None
    with pytest.raises(tribit.FormatError):
        tribit.open(genomes["lambda_virus.fa"][0])
    with pytest.raises(tribit.InputError):
        tribit.import_fasta(str(TESTDATA / "edge" / "bad_protein.fa"), str(tmp_path / "p.tbit"))
    assert not (tmp_path / "p.tbit").exists()


def test_validate(genomes, tmp_path):
    tb = genomes["pseudocat.fa"][1]
    assert tribit.validate(tb) == {"valid": True, "problems": [], "omitted": 0}
    bad = tmp_path / "bad.tbit"
    shutil.copy(tb, bad)
    data = bytearray(bad.read_bytes())
    data[200] ^= 1
    bad.write_bytes(bytes(data))
    r = tribit.validate(bad)
    assert not r["valid"] and r["problems"][0]["class"] == "checksum"


def _fetch_all(f, regions):
    return [f[n][a:b] for n, a, b in regions]


def test_threads_share_one_file(genomes):
    fa_path, tb = genomes["vibrio_cholerae_O1_chrII.fa"]
    f = tribit.open(tb)
    name = f.keys()[0]
    rng = random.Random(5)
    chunks = [[(name, a, b) for a, b in random_regions(rng, len(f[name]), 500)] for _ in range(16)]
    want = [_fetch_all(f, c) for c in chunks]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda c: _fetch_all(f, c), chunks))
        counts = list(pool.map(lambda k: f.kmer_count([k])[0], ["ACGT"] * 4))
    assert got == want
    assert len(set(counts)) == 1


def test_batch_reverse_complement_and_bytes_input(genomes):
    tb = genomes["pseudocat.fa"][1]
    f = tribit.open(tb)
    name = f.keys()[0]
    regions = [(name, 0, 50), (name, 100, 180), (name, 5, 5)]
    fwd = f.fetch_many(regions)
    assert f.fetch_many(regions, reverse_complement=True) == [tribit.reverse_complement(s) for s in fwd]
    g = tribit.File.from_bytes(tb.read_bytes())
    assert g.fetch_many(regions) == fwd and g.path is None
    with pytest.raises(tribit.FormatError) as e:
        tribit.File.from_bytes(b"not a tribit file at all")
    assert "bad magic" in str(e.value) or "shorter than" in str(e.value)
    with pytest.raises(tribit.FormatError):
        tribit.File.from_bytes(b"")


def test_reference_escaped_file_reads_its_true_bases(genomes, cli, tmp_path):
    """A file imported with --reference (SPEC §9) reads exactly as its FASTA;
    a moved reference is found with reference=, a different one refused."""
    fa_path, _ = genomes["vibrio_cholerae_O1_chrII.fa"]
    text = fa_path.read_text()
    ref = tmp_path / "ref.tbit"
    cli("import", "fasta", fa_path, "-o", ref)
    name, seq = text.split("\n", 1)[0][1:].split()[0], "".join(text.split("\n")[1:])
    mutant = seq[:1000] + ("A" if seq[1000] != "A" else "C") + seq[1001:200_000]
    fa = tmp_path / "mutant.fa"
    fa.write_text(">mutant\n" + "\n".join(mutant[i:i + 60] for i in range(0, len(mutant), 60)) + "\n")
    out = tmp_path / "mutant.tbit"
    cli("import", "fasta", fa, "-o", out, "--reference", ref)
    f = tribit.open(out)
    assert str(f["mutant"]) == mutant
    assert f["mutant"][995:1005] == mutant[995:1005]
    moved = tmp_path / "moved.tbit"
    shutil.move(ref, moved)
    with pytest.raises(tribit.NotFoundError):
        tribit.open(out)
    assert str(tribit.open(out, reference=moved)["mutant"]) == mutant
    other = tmp_path / "other.fa"
    other.write_text(">" + name + "\n" + ("C" if seq[0] != "C" else "G") + seq[1:] + "\n")
    other_tbit = tmp_path / "other.tbit"
    cli("import", "fasta", other, "-o", other_tbit)
    with pytest.raises(tribit.MismatchError):
        tribit.open(out, reference=other_tbit)
