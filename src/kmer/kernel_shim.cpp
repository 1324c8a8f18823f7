// Runs kernel.cu on the CPU: supplies the CUDA built-ins the kernel uses and
// walks every (block, thread) of a launch in turn. tests/kmer_kernel.rs
// compiles it with the system C++ compiler and compares its counts with the
// CPU scan, so the kernel's logic is tested on machines with no GPU.
//
//   kernel_shim INPUT OUTPUT
//
// INPUT is KernelInput::to_bytes() (src/kmer/kernel.rs): magic "TBKERNEL",
// then little-endian u64 words, stream_len, npat, nseq, grid, block, per_seq,
// mismatches, the three padded planes, the patterns and the sequence starts. OUTPUT gets
// the nseq * npat counts (npat when per_seq is 0) as little-endian u64.

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

struct tribit_dim3 {
    unsigned x, y, z;
};
static tribit_dim3 threadIdx, blockIdx, blockDim, gridDim;

#define __global__
#define __device__
#define __forceinline__ inline

// Threads run one after another, so a plain add is atomic enough.
static inline unsigned long long atomicAdd(unsigned long long* a, unsigned long long v)
{
    unsigned long long old = *a;
    *a = old + v;
    return old;
}
static inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
static inline int __ffsll(long long x) { return __builtin_ffsll(x); }

#include "kernel.cu"

static bool read_words(FILE* f, std::vector<tribit_u64>& v, size_t n)
{
    v.resize(n);
    unsigned char buf[8];
    for (size_t i = 0; i < n; ++i) {
        if (fread(buf, 1, 8, f) != 8) {
            return false;
        }
        tribit_u64 x = 0;
        for (int b = 7; b >= 0; --b) {
            x = (x << 8) | buf[b];
        }
        v[i] = x;
    }
    return true;
}

int main(int argc, char** argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: kernel_shim INPUT OUTPUT\n");
        return 2;
    }
    FILE* f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    char magic[8];
    std::vector<tribit_u64> head, p0, p1, p2, pats, starts;
    if (fread(magic, 1, 8, f) != 8 || memcmp(magic, "TBKERNEL", 8) != 0 || !read_words(f, head, 8)) {
        fprintf(stderr, "%s: not a kernel input\n", argv[1]);
        return 2;
    }
    tribit_u64 words = head[0], stream_len = head[1], npat = head[2], nseq = head[3];
    unsigned grid = (unsigned)head[4], block = (unsigned)head[5], per_seq = (unsigned)head[6];
    unsigned mismatches = (unsigned)head[7];
    size_t padded = (size_t)words + TRIBIT_PAD_WORDS;
    if (!read_words(f, p0, padded) || !read_words(f, p1, padded) || !read_words(f, p2, padded) ||
        !read_words(f, pats, (size_t)npat * TRIBIT_PATTERN_WORDS) || !read_words(f, starts, (size_t)nseq + 1)) {
        fprintf(stderr, "%s: truncated\n", argv[1]);
        return 2;
    }
    fclose(f);
    std::vector<tribit_u64> counts((size_t)(per_seq ? nseq * npat : npat), 0);
    gridDim.x = grid;
    blockDim.x = block;
    for (unsigned b = 0; b < grid; ++b) {
        for (unsigned t = 0; t < block; ++t) {
            blockIdx.x = b;
            threadIdx.x = t;
            tribit_kmer_count(p0.data(), p1.data(), p2.data(), words, stream_len, pats.data(), (unsigned)npat,
                              starts.data(), nseq, per_seq, mismatches, counts.data());
        }
    }
    FILE* o = fopen(argv[2], "wb");
    if (!o) {
        perror(argv[2]);
        return 2;
    }
    for (tribit_u64 c : counts) {
        unsigned char buf[8];
        for (int b = 0; b < 8; ++b) {
            buf[b] = (unsigned char)(c >> (8 * b));
        }
        fwrite(buf, 1, 8, o);
    }
    return fclose(o) == 0 ? 0 : 2;
}
