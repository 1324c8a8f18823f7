/*
 * Peers of `tribit kmer count`, for benches/kmer_peer.sh (same machine, same
 * run):
 *
 *   kmer_peer ascii FASTA THREADS RUNS KMER[:both]...
 *       What a determined user would write without tribit: load the FASTA
 *       into RAM, strip line ends and uppercase it (one buffer, records
 *       separated by '>' so no match spans two), then count overlapping
 *       occurrences with AVX2: four anchor letters (first, two inner, last)
 *       compared 32 positions at a time, candidates confirmed with memcmp;
 *       both strands share the loads. Threads split the buffer with k - 1
 *       positions of overlap. Prints load and prepare seconds once, then
 *       the best scan seconds and the count of each KMER (":both" adds the
 *       reverse complement, a palindrome once per position).
 *
 *   kmer_peer floor BYTES THREADS RUNS
 *       The memory-bandwidth floor: a plain multi-threaded sum of 64-bit
 *       words over a BYTES-long buffer (touched first), best of RUNS.
 *
 * Build: cc -O3 -mavx2 -pthread benches/kmer_peer.c -o kmer_peer
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* ---- ASCII scanner ---------------------------------------------------- */

struct scan {
    const uint8_t *s;
    size_t from, to; /* starts in [from, to) */
    const uint8_t *pat[2];
    int npat;
    size_t k;
    uint64_t count;
};

static void *scan_part(void *arg)
{
    struct scan *a = arg;
    const uint8_t *s = a->s;
    size_t k = a->k;
    size_t o1 = k / 3, o2 = (2 * k) / 3, o3 = k - 1;
    __m256i f[2][4];
    for (int p = 0; p < a->npat; ++p) {
        f[p][0] = _mm256_set1_epi8((char)a->pat[p][0]);
        f[p][1] = _mm256_set1_epi8((char)a->pat[p][o1]);
        f[p][2] = _mm256_set1_epi8((char)a->pat[p][o2]);
        f[p][3] = _mm256_set1_epi8((char)a->pat[p][o3]);
    }
    uint64_t n = 0;
    size_t i = a->from;
    /* The buffer holds at least 32 + k bytes of padding after the end. */
    for (; i < a->to; i += 32) {
        __m256i b0 = _mm256_loadu_si256((const __m256i *)(s + i));
        __m256i b1 = _mm256_loadu_si256((const __m256i *)(s + i + o1));
        __m256i b2 = _mm256_loadu_si256((const __m256i *)(s + i + o2));
        __m256i b3 = _mm256_loadu_si256((const __m256i *)(s + i + o3));
        for (int p = 0; p < a->npat; ++p) {
            __m256i e = _mm256_and_si256(
                _mm256_and_si256(_mm256_cmpeq_epi8(b0, f[p][0]), _mm256_cmpeq_epi8(b1, f[p][1])),
                _mm256_and_si256(_mm256_cmpeq_epi8(b2, f[p][2]), _mm256_cmpeq_epi8(b3, f[p][3])));
            uint32_t m = (uint32_t)_mm256_movemask_epi8(e);
            while (m) {
                size_t at = i + (size_t)__builtin_ctz(m);
                if (at < a->to && memcmp(s + at, a->pat[p], k) == 0) {
                    ++n;
                }
                m &= m - 1;
            }
        }
    }
    a->count = n;
    return NULL;
}

static double scan(const uint8_t *s, size_t n, const char *kmer, int both, int threads, int runs, uint64_t *count)
{
    size_t k = strlen(kmer);
    uint8_t pat[2][1024];
    if (k == 0 || k > 1000) {
        fprintf(stderr, "k-mer length must be 1..1000\n");
        exit(2);
    }
    for (size_t j = 0; j < k; ++j) {
        uint8_t c = (uint8_t)kmer[j] & 0xDF;
        pat[0][j] = c;
        pat[1][k - 1 - j] = c == 'A' ? 'T' : c == 'C' ? 'G' : c == 'G' ? 'C' : 'A';
    }
    int npat = both && memcmp(pat[0], pat[1], k) != 0 ? 2 : 1;
    size_t last = n >= k ? n - k + 1 : 0; /* starts in [0, last) */
    double best = 1e30;
    for (int r = 0; r < runs; ++r) {
        struct scan parts[64];
        pthread_t tid[64];
        double a = now();
        for (int t = 0; t < threads; ++t) {
            parts[t] = (struct scan){s, last * t / threads, last * (t + 1) / threads, {pat[0], pat[1]}, npat, k, 0};
            pthread_create(&tid[t], NULL, scan_part, &parts[t]);
        }
        *count = 0;
        for (int t = 0; t < threads; ++t) {
            pthread_join(tid[t], NULL);
            *count += parts[t].count;
        }
        double b = now() - a;
        if (b < best) {
            best = b;
        }
    }
    return best;
}

static int ascii(const char *path, int threads, int runs, char **specs, int nspecs)
{
    double t0 = now();
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    size_t len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *raw = malloc(len);
    if (!raw || fread(raw, 1, len, f) != len) {
        fprintf(stderr, "cannot read %s\n", path);
        return 2;
    }
    fclose(f);
    double t1 = now();

    /* Strip line ends and header lines, uppercase; '>' between records. */
    uint8_t *s = malloc(len + 64 + 1024);
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint8_t *nl = memchr(raw + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - raw) : len;
        if (raw[i] == '>') {
            s[n++] = '>';
        } else {
            for (size_t j = i; j < end; ++j) {
                uint8_t c = raw[j];
                if (c != '\r') {
                    s[n++] = c & 0xDF;
                }
            }
        }
        i = end + 1;
    }
    memset(s + n, '>', 64 + 1024);
    free(raw);
    double t2 = now();
    printf("ascii-load\tload_s=%.3f\tprepare_s=%.3f\tbytes=%zu\n", t1 - t0, t2 - t1, n);
    for (int i = 0; i < nspecs; ++i) {
        char kmer[1024];
        snprintf(kmer, sizeof kmer, "%s", specs[i]);
        char *colon = strchr(kmer, ':');
        int both = colon && strcmp(colon + 1, "both") == 0;
        if (colon) {
            *colon = 0;
        }
        uint64_t count = 0;
        double best = scan(s, n, kmer, both, threads, runs, &count);
        printf("ascii\tkmer=%s\tstrands=%s\tscan_s=%.4f\tcount=%llu\n", kmer, both ? "both" : "forward", best,
               (unsigned long long)count);
        fflush(stdout);
    }
    free(s);
    return 0;
}

/* ---- memory-bandwidth floor ------------------------------------------ */

struct sum {
    const uint64_t *w;
    size_t from, to;
    uint64_t s;
};

static void *sum_part(void *arg)
{
    struct sum *a = arg;
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = a->from;
    for (; i + 4 <= a->to; i += 4) {
        s0 += a->w[i];
        s1 += a->w[i + 1];
        s2 += a->w[i + 2];
        s3 += a->w[i + 3];
    }
    for (; i < a->to; ++i) {
        s0 += a->w[i];
    }
    a->s = s0 + s1 + s2 + s3;
    return NULL;
}

static int floor_(size_t bytes, int threads, int runs)
{
    size_t words = bytes / 8;
    uint64_t *w = aligned_alloc(64, (words * 8 + 63) / 64 * 64);
    if (!w) {
        fprintf(stderr, "cannot allocate %zu bytes\n", bytes);
        return 2;
    }
    for (size_t i = 0; i < words; ++i) {
        w[i] = i * 0x9E3779B97F4A7C15ull;
    }
    double best = 1e30;
    uint64_t total = 0;
    for (int r = 0; r < runs; ++r) {
        struct sum parts[64];
        pthread_t tid[64];
        double a = now();
        for (int t = 0; t < threads; ++t) {
            parts[t] = (struct sum){w, words * t / threads, words * (t + 1) / threads, 0};
            pthread_create(&tid[t], NULL, sum_part, &parts[t]);
        }
        total = 0;
        for (int t = 0; t < threads; ++t) {
            pthread_join(tid[t], NULL);
            total += parts[t].s;
        }
        double b = now() - a;
        if (b < best) {
            best = b;
        }
    }
    printf("floor\tbytes=%zu\tsum_s=%.4f\tGB_per_s=%.1f\tcheck=%llu\n", words * 8, best, words * 8 / best / 1e9,
           (unsigned long long)(total & 0xFFFF));
    free(w);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 6 && strcmp(argv[1], "ascii") == 0) {
        int threads = atoi(argv[3]);
        if (threads < 1 || threads > 64) {
            threads = 2;
        }
        return ascii(argv[2], threads, atoi(argv[4]), argv + 5, argc - 5);
    }
    if (argc == 5 && strcmp(argv[1], "floor") == 0) {
        int threads = atoi(argv[3]);
        if (threads < 1 || threads > 64) {
            threads = 2;
        }
        return floor_((size_t)strtoull(argv[2], NULL, 10), threads, atoi(argv[4]));
    }
    fprintf(stderr, "usage: kmer_peer ascii FASTA THREADS RUNS KMER[:both]... | kmer_peer floor BYTES THREADS RUNS\n");
    return 2;
}
