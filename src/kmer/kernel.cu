// tribit k-mer count kernel (SPEC §14 over §4–§5).
//
// Compiled at run time by NVRTC (src/kmer/gpu.rs, feature `cuda`) and, for
// tests on machines without a GPU, as plain C++ through kernel_shim.cpp,
// which supplies the CUDA built-ins it uses. Keep to that subset: no shared
// memory, no __syncthreads, no warp intrinsics.
//
// Input: the three planes of the whole code stream as 64-bit words (bit i of
// word w of plane p is bit p of the code at stream position 64 w + i), each
// followed by TRIBIT_PAD_WORDS zero words so that word w + 8 can always be
// read. A window of k positions starting at s matches a pattern when plane 0
// and plane 1 agree with the pattern's bits at s .. s + k - 1 and plane 2 is
// clear there (no N, END, reference escape or exception); windows must end
// inside the stream. One thread per word of 64 windows (grid-stride loop).
//
// A degenerate pattern (IUPAC letters, SPEC §14), or any pattern when
// mismatches > 0, is matched through its four base sets instead: position
// j is a mismatch where the base is outside letter j's set, a bit-sliced
// counter per window adds the mismatches up, and a window matches while it
// holds at most `mismatches` of them (plane 2 clear, as above).
//
// With per_seq = 0 the output is counts[pattern]: each thread sums its
// matches in registers, TRIBIT_GROUP patterns at a time over all its words,
// and adds each sum once. With per_seq = 1 it is counts[sequence * npat +
// pattern], the sequence found by binary search over starts[0 .. nseq]
// (starts[nseq] = stream_len), one add per word, pattern and sequence piece.

typedef unsigned long long tribit_u64;

// Per pattern: k (bit 32 set when the pattern is degenerate), then 8 words
// of plane-0 bits, 8 words of plane-1 bits (bit j of the pattern at bit
// j % 64 of word j / 64; k <= 512), then for codes 0-3 (A C G T) 8 words
// each of the positions whose letter allows that base.
#define TRIBIT_PATTERN_WORDS 49
#define TRIBIT_SETS_AT 17
#define TRIBIT_DEGENERATE (1ull << 32)
#define TRIBIT_PAD_WORDS 9
// Patterns whose sums a thread keeps in registers at once (per_seq = 0).
#define TRIBIT_GROUP 8

// Bits j .. j + 63 of a plane, from word w on.
__device__ __forceinline__ tribit_u64 tribit_funnel(const tribit_u64* plane, tribit_u64 w, unsigned j)
{
    tribit_u64 q = j >> 6;
    unsigned r = j & 63u;
    tribit_u64 lo = plane[w + q];
    return r == 0 ? lo : ((lo >> r) | (plane[w + q + 1] << (64u - r)));
}

// AND over j < k of (plane bit at s + j == pattern bit j).
__device__ __forceinline__ tribit_u64 tribit_plane(const tribit_u64* plane, tribit_u64 w, const tribit_u64* bits,
                                                   unsigned k, tribit_u64 acc)
{
    for (unsigned j = 0; j < k && acc != 0; ++j) {
        tribit_u64 b = (bits[j >> 6] >> (j & 63u)) & 1ull;
        // b = 1 keeps set bits, b = 0 keeps clear ones.
        acc &= tribit_funnel(plane, w, j) ^ (b - 1ull);
    }
    return acc;
}

// All ones where bit j of `bits` is set, else zero.
__device__ __forceinline__ tribit_u64 tribit_all(const tribit_u64* bits, unsigned j)
{
    return 0ull - ((bits[j >> 6] >> (j & 63u)) & 1ull);
}

// The windows with at most `mismatches` positions j < k whose base (planes
// 0 and 1) is outside the set of letter j (`sets`: 8 words per code).
__device__ __forceinline__ tribit_u64 tribit_fuzzy(const tribit_u64* p0, const tribit_u64* p1, tribit_u64 w,
                                                   const tribit_u64* sets, unsigned k, unsigned mismatches)
{
    // Mismatches so far per window, bit-sliced: c0 + 2 c1, and c2 once
    // there are 4 or more.
    tribit_u64 c0 = 0, c1 = 0, c2 = 0;
    tribit_u64 alive = ~0ull;
    for (unsigned j = 0; j < k && alive != 0; ++j) {
        tribit_u64 f0 = tribit_funnel(p0, w, j);
        tribit_u64 f1 = tribit_funnel(p1, w, j);
        tribit_u64 ok = (tribit_all(sets, j) & ~f0 & ~f1) | (tribit_all(sets + 8, j) & f0 & ~f1) |
                        (tribit_all(sets + 16, j) & ~f0 & f1) | (tribit_all(sets + 24, j) & f0 & f1);
        tribit_u64 miss = ~ok;
        tribit_u64 carry = c0 & miss;
        c0 ^= miss;
        c2 |= c1 & carry;
        c1 ^= carry;
        tribit_u64 over = mismatches == 0   ? (c0 | c1 | c2)
                          : mismatches == 1 ? (c1 | c2)
                          : mismatches == 2 ? (c2 | (c1 & c0))
                                            : c2;
        alive = ~over;
    }
    return alive;
}

// The windows starting at 64 w .. 64 w + 63 that match the pattern `pat`
// (TRIBIT_PATTERN_WORDS words) with at most `mismatches` mismatches, as a
// mask.
__device__ __forceinline__ tribit_u64 tribit_match(const tribit_u64* p0, const tribit_u64* p1, const tribit_u64* p2,
                                                   tribit_u64 w, tribit_u64 stream_len, const tribit_u64* pat,
                                                   unsigned mismatches)
{
    unsigned k = (unsigned)(pat[0] & 0xffffffffull);
    tribit_u64 base = w * 64ull;
    tribit_u64 acc;
    if (mismatches == 0 && !(pat[0] & TRIBIT_DEGENERATE)) {
        acc = tribit_plane(p0, w, pat + 1, k, ~0ull);
        acc = tribit_plane(p1, w, pat + 9, k, acc);
    } else {
        acc = tribit_fuzzy(p0, p1, w, pat + TRIBIT_SETS_AT, k, mismatches);
    }
    if (acc != 0) {
        tribit_u64 bad = 0;
        for (unsigned j = 0; j < k; ++j) {
            bad |= tribit_funnel(p2, w, j);
        }
        acc &= ~bad;
    }
    if (acc != 0) {
        // Starts s with s + k <= stream_len.
        tribit_u64 valid = stream_len + 1ull >= base + k ? stream_len + 1ull - k - base : 0ull;
        if (valid < 64ull) {
            acc &= (1ull << valid) - 1ull;
        }
    }
    return acc;
}

extern "C" __global__ void tribit_kmer_count(const tribit_u64* __restrict__ p0, const tribit_u64* __restrict__ p1,
                                             const tribit_u64* __restrict__ p2, tribit_u64 words,
                                             tribit_u64 stream_len, const tribit_u64* __restrict__ patterns,
                                             unsigned npat, const tribit_u64* __restrict__ starts, tribit_u64 nseq,
                                             unsigned per_seq, unsigned mismatches, tribit_u64* counts)
{
    tribit_u64 stride = (tribit_u64)gridDim.x * blockDim.x;
    tribit_u64 first = (tribit_u64)blockIdx.x * blockDim.x + threadIdx.x;
    if (!per_seq) {
        for (unsigned g = 0; g < npat; g += TRIBIT_GROUP) {
            unsigned n = npat - g < TRIBIT_GROUP ? npat - g : TRIBIT_GROUP;
            tribit_u64 sum[TRIBIT_GROUP];
            for (unsigned i = 0; i < TRIBIT_GROUP; ++i) {
                sum[i] = 0;
            }
            for (tribit_u64 w = first; w < words; w += stride) {
                for (unsigned i = 0; i < n; ++i) {
                    const tribit_u64* pat = patterns + (tribit_u64)(g + i) * TRIBIT_PATTERN_WORDS;
                    sum[i] += (tribit_u64)__popcll(tribit_match(p0, p1, p2, w, stream_len, pat, mismatches));
                }
            }
            for (unsigned i = 0; i < n; ++i) {
                if (sum[i] != 0) {
                    atomicAdd(&counts[g + i], sum[i]);
                }
            }
        }
        return;
    }
    for (tribit_u64 w = first; w < words; w += stride) {
        tribit_u64 base = w * 64ull;
        for (unsigned p = 0; p < npat; ++p) {
            const tribit_u64* pat = patterns + (tribit_u64)p * TRIBIT_PATTERN_WORDS;
            tribit_u64 acc = tribit_match(p0, p1, p2, w, stream_len, pat, mismatches);
            while (acc != 0) {
                tribit_u64 pos = base + (tribit_u64)(__ffsll((long long)acc) - 1);
                tribit_u64 lo = 0, hi = nseq;
                while (hi - lo > 1) {
                    tribit_u64 mid = lo + (hi - lo) / 2;
                    if (starts[mid] <= pos) {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                tribit_u64 end = starts[lo + 1];
                tribit_u64 take = end >= base + 64ull ? acc : (acc & ((1ull << (end - base)) - 1ull));
                atomicAdd(&counts[lo * npat + p], (tribit_u64)__popcll(take));
                acc &= ~take;
            }
        }
    }
}
