"""Many files as one dataset on a real Dask cluster (a LocalCluster of two
worker processes on loopback): the SkyMap questions over matrix shards and
the tranSMART A1 query over table shards equal the single-process answers."""

import numpy as np
import pytest

import tribit

distributed = pytest.importorskip("distributed")
pytest.importorskip("dask.dataframe")
import tribit.dask as td  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def matrix_shards(tmp_path_factory, cli):
    d = tmp_path_factory.mktemp("shards")
    rng = np.random.default_rng(11)
    full = rng.random((90, 40), dtype=np.float32)
    names = [f"SRR{i:05d}" for i in range(90)]
    cols = [f"G{j}" for j in range(40)]
    (d / "cols.txt").write_text("\n".join(cols) + "\n")
    # Three shards by run-ID range, written in scrambled file order.
    for k, (a, b) in zip("cab", [(60, 90), (0, 30), (30, 60)]):
        np.save(d / f"{k}.npy", full[a:b])
        (d / f"{k}.rows").write_text("\n".join(names[a:b]) + "\n")
        cli("import", "matrix", d / f"{k}.npy", "-o", d / f"{k}.tbit", "--name", "expr",
            "--row-names", d / f"{k}.rows", "--col-names", d / "cols.txt", "--tile-rows", "8")
    return d, full, names, cols


def test_skymap_questions_over_shards_equal_single_process(client, matrix_shards):
    d, full, names, cols = matrix_shards
    arr, rows, got_cols = td.read_matrix(str(d / "*.tbit"))
    assert rows == names and got_cols == cols
    assert arr.chunks[0] == (30, 30, 30)     # one chunk per shard, each a whole number of bands
    one_gene = arr[:, cols.index("G7")].compute()
    assert np.array_equal(one_gene, full[:, 7])
    block = arr[25:45, :].compute()           # neighbouring runs across two shards
    assert np.array_equal(block, full[25:45])
    pick = [3, 88, 41]
    assert np.array_equal(arr[pick, :].compute(), full[pick])


@pytest.fixture(scope="module")
def table_shards(tmp_path_factory, cli):
    d = tmp_path_factory.mktemp("tshards")
    rng = np.random.default_rng(5)
    frames = []
    for k in range(3):
        lines = ["PATIENT_ID,GENE_SYMBOL,RAW"]
        for p in range(k * 20, k * 20 + 20):
            for g in ["TP53", "BRCA1", "EGFR"]:
                raw = float(rng.integers(0, 1000)) / 4
                lines.append(f"{1000000 + p},{g},{raw}")
                frames.append((1000000 + p, g, raw))
        (d / f"t{k}.csv").write_text("\n".join(lines) + "\n")
        cli("import", "csv", d / f"t{k}.csv", "-o", d / f"t{k}.tbit", "--table", "expr",
            "--index", "PATIENT_ID", "--index", "GENE_SYMBOL")
    return d, frames


def test_transmart_a1_over_shards_equals_single_process(client, table_shards):
    d, rows = table_shards
    patients = [1000003, 1000021, 1000044, 1000059, 1000077]   # 1000077 is in no shard
    df = td.read_table(str(d / "t*.tbit"), columns=["PATIENT_ID", "RAW"],
                       filters=[("PATIENT_ID", "in", patients)])
    assert df.npartitions == 3
    got = df.compute()
    want = [r for r in rows if r[0] in patients]
    assert len(got) == len(want)
    assert got["RAW"].sum() == pytest.approx(sum(r[2] for r in want))
    tp53 = td.read_table(str(d / "t*.tbit"), filters=[("GENE_SYMBOL", "==", "TP53"),
                                                      ("PATIENT_ID", "in", patients)]).compute()
    assert sorted(tp53["PATIENT_ID"]) == sorted(p for p, g, _ in rows if g == "TP53" and p in patients)
