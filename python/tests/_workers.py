"""Worker functions for the multiprocessing tests: importable by a spawned
child, which gets the file by pickle (reopened by path)."""


def fetch(args):
    f, regions = args
    return [f[n][a:b] for n, a, b in regions]


def column_sum(args):
    f, table, column = args
    return float(f.tables[table].column(column).sum())


def count(args):
    f, kmer = args
    return int(f.kmer_count([kmer])[0])
