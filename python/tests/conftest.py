"""Shared fixtures: the CLI, the real genomes of testdata/ imported once,
and a table CSV with every column type."""

import os
import pathlib
import subprocess

import pytest

import tribit

ROOT = pathlib.Path(__file__).resolve().parents[2]
TESTDATA = ROOT / "testdata"
REAL = [
    "lambda_virus.fa",
    "pseudocat.fa",
    "pseudopig2.fa",
    "shorties.fa",
    "sample_101s.fa",
    "vibrio_cholerae_O1_chrII.fa",
]


def cli_path():
    p = pathlib.Path(os.environ.get("TRIBIT_BIN", ROOT / "target" / "release" / "tribit"))
    if not p.exists():
        raise RuntimeError(f"{p} does not exist: build the CLI first (cargo build --release) or set TRIBIT_BIN")
    return p


@pytest.fixture(scope="session")
def cli():
    exe = cli_path()

    def run(*args, check=True):
        r = subprocess.run([str(exe), "-q", *map(str, args)], capture_output=True, text=True)
        if check and r.returncode != 0:
            raise AssertionError(f"tribit {' '.join(map(str, args))} failed ({r.returncode}): {r.stderr}")
        return r

    return run


@pytest.fixture(scope="session")
def genomes(tmp_path_factory):
    """{fasta name: (fasta path, tbit path)} for every real genome."""
    d = tmp_path_factory.mktemp("genomes")
    out = {}
    for name in REAL:
        # A copy: pyfaidx writes its .fai beside the FASTA.
        fa = d / name
        fa.write_bytes((TESTDATA / name).read_bytes())
        tb = d / (name + ".tbit")
        tribit.import_fasta(str(fa), str(tb))
        out[name] = (fa, tb)
    return out


# Every type, nulls, quoted fields with commas, quotes and newlines, and
# non-ASCII text.
EVERY_TYPE_CSV = (
    "ID,FLAG,SMALL,COUNT,SCORE,NAME,CODE,GENE\n"
    '1,true,-5,10,1.5,"Müller, Jürgen",AB,TP53\n'
    '2,false,7,,2.25,"say ""hi""",CD,BRCA1\n'
    "3,,0,30,,日本語,,TP53\n"
    '4,true,127,40,-0.125,"two\nlines",EF,EGFR\n'
    "5,false,-128,50,1e300,plain,GH,TP53\n"
)
EVERY_TYPE_SCHEMA = "ID:i64,FLAG:bool?,SMALL:i8,COUNT:u32?,SCORE:f64?,NAME:dict,CODE:str(4)?,GENE:dict"


@pytest.fixture(scope="session")
def every_type(tmp_path_factory):
    d = tmp_path_factory.mktemp("every_type")
    csv = d / "every.csv"
    csv.write_text(EVERY_TYPE_CSV, encoding="utf-8")
    tb = d / "every.tbit"
    n = tribit.import_csv(
        str(csv), str(tb), table="every", schema=EVERY_TYPE_SCHEMA, index=["GENE", "ID,GENE"], allow_multiline=True
    )
    assert n == 5
    return csv, tb


def transmart_csv(path, patients=30, probesets=200, seed=7):
    """A small tranSMART-shaped CSV: one row per (patient, probeset),
    ordered by patient; RAW has two decimals."""
    import random

    rng = random.Random(seed)
    genes = [f"G{g}" for g in range(probesets // 3 + 1)]
    with open(path, "w") as f:
        f.write("TRIAL_NAME,PATIENT_ID,GENE_SYMBOL,PROBESET_ID,RAW,LOG,ZSCORE\n")
        for p in range(patients):
            for q in range(probesets):
                raw = round(rng.uniform(1, 5000), 2)
                f.write(f"GSE24080,{1000001 + p},{genes[q % len(genes)]},{200000 + q}_at,{raw},{rng.random():.4f},{rng.gauss(0, 1):.4f}\n")


@pytest.fixture(scope="session")
def transmart(tmp_path_factory):
    d = tmp_path_factory.mktemp("transmart")
    csv = d / "expr.csv"
    transmart_csv(csv)
    tb = d / "expr.tbit"
    tribit.import_csv(
        str(csv),
        str(tb),
        table="expr",
        schema="TRIAL_NAME:dict,PATIENT_ID:i32,GENE_SYMBOL:dict,PROBESET_ID:dict,RAW:f64,LOG:f32,ZSCORE:f32",
        index=["PATIENT_ID", ["GENE_SYMBOL", "PROBESET_ID", "PATIENT_ID"]],
    )
    return csv, tb
