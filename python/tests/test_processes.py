"""A File survives fork and travels to spawned processes (pickled by path)."""

import multiprocessing as mp
import pickle
import random

import pytest

import tribit

import _workers


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_processes_read_the_same_file(genomes, transmart, method):
    tb = genomes["vibrio_cholerae_O1_chrII.fa"][1]
    f = tribit.open(tb)
    name = f.keys()[0]
    rng = random.Random(9)
    jobs = []
    for _ in range(4):
        regs = []
        for _ in range(200):
            a = rng.randrange(0, len(f[name]) - 200)
            regs.append((name, a, a + rng.randrange(1, 200)))
        jobs.append((f, regs))
    # The parent reads (and scans with threads) first, so a forked child
    # inherits a file and a process that have been used.
    want = [_workers.fetch(j) for j in jobs]
    want_count = _workers.count((f, "GATC"))
    t = tribit.open(transmart[1])
    want_sum = _workers.column_sum((t, "expr", "RAW"))
    ctx = mp.get_context(method)
    with ctx.Pool(2) as pool:
        assert pool.map(_workers.fetch, jobs) == want
        assert pool.map(_workers.count, [(f, "GATC")] * 2) == [want_count] * 2
        assert pool.map(_workers.column_sum, [(t, "expr", "RAW")] * 2) == [want_sum] * 2


def test_pickle_by_path_and_by_bytes(genomes):
    tb = genomes["shorties.fa"][1]
    f = tribit.open(tb)
    g = pickle.loads(pickle.dumps(f))
    assert g.path == str(tb) and g.keys() == f.keys()
    h = pickle.loads(pickle.dumps(tribit.File.from_bytes(tb.read_bytes())))
    assert h.path is None and str(h[2]) == str(f[2])
