/* common/zpack.c: LZ77 + Huffman deflate in a zlib stream (see zpack.h).
 *
 * Two passes over the input. The first turns it into tokens and counts symbol frequencies: a
 * run (the next three bytes equal the previous one: a match at distance 1, what zlib calls
 * Z_RLE), else a match of 4..258 bytes found by one probe of a hash table of 4-byte sequences
 * (no chains, no lazy evaluation; after every 8 probes that found nothing the scan steps one
 * byte further, so incompressible stretches cost little, the idea of LZ4's acceleration), else
 * a literal. Then the literal/length and distance codes are built (Huffman lengths from the
 * sorted frequencies, limited to 15 bits by the Kraft-sum repair), the exact output size is
 * computed from the frequencies, and only when it is smaller than the input is the block
 * written: header, the code lengths run-length coded with the code-length alphabet (itself
 * Huffman coded, at most 7 bits), the tokens, end of block, adler32. The hash table keeps
 * positions from earlier calls: a candidate is used only if it lies before the current
 * position in this input and its bytes match, so stale entries cost a miss, never a wrong
 * match, and the table is never cleared. */
#include "common/zpack.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/asserts.h"

enum {
    LITLEN_COUNT = 286,      /* 0..255 literals, 256 end of block, 257..285 lengths */
    DIST_COUNT = 30,
    SYMBOL_EOB = 256,
    CLEN_COUNT = 19,         /* the code-length alphabet */
    LITLEN_BITS_MAX = 15,
    CLEN_BITS_MAX = 7,
    RUN_MAX = 258,
    MATCH_MIN = 4,
    WINDOW = 32768,
    TOKEN_MATCH = 0x80000000u, /* with this bit: length (bits 0..8) and distance (bits 9..24) */
    HEADER_BYTES_MAX = 320,  /* zlib header, block header, code lengths: an upper bound */
};

/* Length symbols 257..285: the first length of each and its extra bits (RFC 1951, 3.2.5). */
static const uint16_t LENGTH_BASE[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,
                                         15, 17, 19, 23, 27, 31, 35, 43, 51,  59,
                                         67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t  LENGTH_EXTRA[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                          2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
/* The order in which the code-length code's lengths are sent. */
static const uint8_t CLEN_ORDER[CLEN_COUNT] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                               11, 4,  12, 3, 13, 2, 14, 1, 15};

/* length_symbol[len]: the length code (0..28, add 257) of a run of len bytes. */
static uint8_t        length_symbol[RUN_MAX + 1];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* reverse8[b]: b with its 8 bits in reverse order. */
static uint8_t reverse8[256];

static void tables_make(void)
{
    for (int byte = 0; byte < 256; byte++) {
        int reversed = 0;
        for (int bit = 0; bit < 8; bit++) reversed |= ((byte >> bit) & 1) << (7 - bit);
        reverse8[byte] = (uint8_t)reversed;
    }
    for (int code = 0; code < 29; code++) {
        int last = code == 28 ? RUN_MAX : LENGTH_BASE[code + 1] - 1;
        for (int len = LENGTH_BASE[code]; len <= last; len++) length_symbol[len] = (uint8_t)code;
    }
}

/* ------------------------------------------------------------------ Huffman codes ---- */

/* sort_by_freq: symbols[0, count) ordered by increasing freq (LSD radix, 8 bits a pass). */
static void sort_by_freq(const uint32_t *freq, uint16_t *symbols, uint16_t *scratch, int count)
{
    uint32_t max_freq = 0;
    for (int idx = 0; idx < count; idx++) {
        if (freq[symbols[idx]] > max_freq) max_freq = freq[symbols[idx]];
    }
    for (int shift = 0; shift < 32 && (max_freq >> shift) != 0; shift += 8) {
        int bucket_start[257] = {0};
        for (int idx = 0; idx < count; idx++) bucket_start[((freq[symbols[idx]] >> shift) & 0xFF) + 1]++;
        for (int bucket = 0; bucket < 256; bucket++) bucket_start[bucket + 1] += bucket_start[bucket];
        for (int idx = 0; idx < count; idx++) {
            scratch[bucket_start[(freq[symbols[idx]] >> shift) & 0xFF]++] = symbols[idx];
        }
        memcpy(symbols, scratch, (size_t)count * sizeof *symbols);
    }
}

/* huff_lengths: code lengths (at most bits_max) of a complete prefix code for the symbols of
 * freq[0, n) with a nonzero frequency; lengths[s] = 0 for the others. When fewer than two
 * symbols occur a second one is added (inflate needs complete codes). Pre: n <= 288. */
static void huff_lengths(const uint32_t *freq, int n, int bits_max, uint8_t *lengths)
{
    uint16_t symbols[288], scratch[288];
    int      count = 0;
    memset(lengths, 0, (size_t)n);
    for (int sym = 0; sym < n; sym++) {
        if (freq[sym] != 0) symbols[count++] = (uint16_t)sym;
    }
    if (count < 2) {
        int first = count == 1 ? symbols[0] : 0;
        lengths[first] = 1;
        lengths[first == 0 ? 1 : 0] = 1;
        return;
    }
    sort_by_freq(freq, symbols, scratch, count);

    /* two-queue Huffman: leaves 0..count-1 (sorted), internal nodes count.. in creation order,
     * which is also nondecreasing weight; parent[] links every node but the root */
    uint32_t weight[2 * 288];
    uint16_t parent[2 * 288];
    for (int idx = 0; idx < count; idx++) weight[idx] = freq[symbols[idx]];
    int leaf_next = 0, node_next = count, node_end = count;
    for (; node_end < 2 * count - 1; node_end++) {
        int picked[2];
        for (int pick = 0; pick < 2; pick++) {
            bool take_leaf = leaf_next < count &&
                             (node_next == node_end || weight[leaf_next] <= weight[node_next]);
            picked[pick] = take_leaf ? leaf_next++ : node_next++;
        }
        weight[node_end] = weight[picked[0]] + weight[picked[1]];
        parent[picked[0]] = parent[picked[1]] = (uint16_t)node_end;
    }
    /* depths: the root is the last node; a parent always comes after its children */
    uint16_t depth[2 * 288];
    int      root = node_end - 1;
    depth[root] = 0;
    for (int node = root - 1; node >= 0; node--) depth[node] = (uint16_t)(depth[parent[node]] + 1);

    /* bl_count per length, deeper than bits_max clamped, then the Kraft sum repaired: each
     * step removes one longest code and splits a shorter one, keeping the code count */
    int bl_count[288] = {0};
    for (int idx = 0; idx < count; idx++) {
        int len = depth[idx] > bits_max ? bits_max : depth[idx];
        bl_count[len]++;
    }
    uint64_t total = 0;
    for (int len = 1; len <= bits_max; len++) total += (uint64_t)bl_count[len] << (bits_max - len);
    while (total > (1ULL << bits_max)) {
        bl_count[bits_max]--;
        for (int len = bits_max - 1; len >= 1; len--) {
            if (bl_count[len] != 0) {
                bl_count[len]--;
                bl_count[len + 1] += 2;
                break;
            }
        }
        total--;
    }
    /* the rarest symbols get the longest codes */
    int idx = 0;
    for (int len = bits_max; len >= 1; len--) {
        for (int code_idx = 0; code_idx < bl_count[len]; code_idx++) lengths[symbols[idx++]] = (uint8_t)len;
    }
    ASSERT(idx == count);
}

/* huff_codes: canonical codes for lengths (RFC 1951, 3.2.2), bit-reversed for LSB-first output. */
static void huff_codes(const uint8_t *lengths, int n, uint16_t *codes)
{
    int      bl_count[16] = {0};
    uint32_t next_code[16];
    for (int sym = 0; sym < n; sym++) bl_count[lengths[sym]]++;
    bl_count[0] = 0;
    uint32_t code = 0;
    for (int len = 1; len < 16; len++) {
        code = (code + (uint32_t)bl_count[len - 1]) << 1;
        next_code[len] = code;
    }
    for (int sym = 0; sym < n; sym++) {
        int len = lengths[sym];
        if (len == 0) {
            codes[sym] = 0;
            continue;
        }
        uint32_t value = next_code[len]++;
        uint32_t reversed = ((uint32_t)reverse8[value & 0xFF] << 8) | reverse8[(value >> 8) & 0xFF];
        codes[sym] = (uint16_t)(reversed >> (16 - len));
    }
}

/* ------------------------------------------------------------------ bit output ---- */

typedef struct BitOut {
    uint64_t acc;
    int      count;
    uint8_t *at;
} BitOut;

static inline void bits_put(BitOut *out, uint32_t bits, int count)
{
    out->acc |= (uint64_t)bits << out->count;
    out->count += count;
    if (out->count >= 32) {
        uint32_t word = (uint32_t)out->acc;
        out->at[0] = (uint8_t)word;
        out->at[1] = (uint8_t)(word >> 8);
        out->at[2] = (uint8_t)(word >> 16);
        out->at[3] = (uint8_t)(word >> 24);
        out->at += 4;
        out->acc >>= 32;
        out->count -= 32;
    }
}

static void bits_flush(BitOut *out)
{
    while (out->count > 0) {
        *out->at++ = (uint8_t)out->acc;
        out->acc >>= 8;
        out->count -= 8;
    }
    out->count = 0;
    out->acc = 0;
}

/* ------------------------------------------------------------------ the stream ---- */

size_t zpack_bound(size_t size) { return size + HEADER_BYTES_MAX + 64; }

void zpack_free(ZPack *pack)
{
    free(pack->tokens);
    free(pack->table);
    pack->tokens = NULL;
    pack->table = NULL;
    pack->token_capacity = 0;
}

/* dist_code: the distance code (0..29) of dist (1..32768); *extra_bits_out its extra bits. */
static inline int dist_code(uint32_t dist, int *extra_bits_out)
{
    uint32_t below = dist - 1;
    if (below < 4) {
        *extra_bits_out = 0;
        return (int)below;
    }
    int top = 31 - __builtin_clz(below);   /* below in [2^top, 2^(top+1)) */
    *extra_bits_out = top - 1;
    return 2 * top + (int)((below >> (top - 1)) & 1);
}

static inline uint32_t load_u32(const uint8_t *data)
{
    uint32_t value;
    memcpy(&value, data, sizeof value);
    return value;
}

static inline uint32_t hash4(uint32_t value) { return (value * 2654435761u) >> (32 - ZPACK_HASH_BITS); }

/* tokenize: data as tokens into tokens[], symbol frequencies into freq and dist_freq; returns
 * the token count. */
static size_t tokenize(ZPack *pack, const uint8_t *data, size_t size, uint32_t *tokens,
                       uint32_t *freq, uint32_t *dist_freq)
{
    uint32_t *table = pack->table;
    size_t    count = 0, at = 0, misses = 0;
    if (size > 0) {
        tokens[count++] = data[0];
        freq[data[0]]++;
        at = 1;
    }
    while (at < size) {
        uint8_t  byte = data[at];
        size_t   len = 0;
        uint32_t dist = 0;
        if (byte == data[at - 1] && at + 2 < size && data[at + 1] == byte && data[at + 2] == byte) {
            size_t end = at + 3;
            size_t limit = size - at > RUN_MAX ? at + RUN_MAX : size;
            while (end < limit && data[end] == byte) end++;
            len = end - at;
            dist = 1;
        } else if (at + MATCH_MIN <= size) {
            uint32_t word = load_u32(data + at);
            uint32_t *slot = &table[hash4(word)];
            uint32_t candidate = *slot;
            *slot = (uint32_t)at;
            if (candidate < at && at - candidate <= WINDOW && load_u32(data + candidate) == word) {
                size_t limit = size - at > RUN_MAX ? at + RUN_MAX : size;
                size_t end = at + MATCH_MIN;
                while (end < limit && data[end] == data[end - (at - candidate)]) end++;
                len = end - at;
                dist = (uint32_t)(at - candidate);
            }
        }
        if (len != 0) {
            int extra_bits;
            tokens[count++] = TOKEN_MATCH | (dist << 9) | (uint32_t)len;
            freq[257 + length_symbol[len]]++;
            dist_freq[dist_code(dist, &extra_bits)]++;
            at += len;
            misses = 0;
            continue;
        }
        /* a literal; after many misses, the next few bytes are literals without a probe */
        size_t step = 1 + (misses++ >> 3);
        if (step > size - at) step = size - at;
        for (size_t idx = 0; idx < step; idx++) {
            tokens[count++] = data[at + idx];
            freq[data[at + idx]]++;
        }
        at += step;
    }
    return count;
}

/* ClenSeq: the code lengths of both codes, run-length coded with the code-length alphabet. */
typedef struct ClenSeq {
    uint8_t  symbol[LITLEN_COUNT + DIST_COUNT];
    uint8_t  extra[LITLEN_COUNT + DIST_COUNT];
    int      count;
    uint32_t freq[CLEN_COUNT];
} ClenSeq;

static void clen_push(ClenSeq *seq, int symbol, int extra)
{
    seq->symbol[seq->count] = (uint8_t)symbol;
    seq->extra[seq->count] = (uint8_t)extra;
    seq->count++;
    seq->freq[symbol]++;
}

static void clen_encode(const uint8_t *lengths, int n, ClenSeq *seq)
{
    int at = 0;
    while (at < n) {
        int value = lengths[at], run = 1;
        while (at + run < n && lengths[at + run] == value) run++;
        at += run;
        if (value == 0) {
            while (run >= 11) {
                int take = run > 138 ? 138 : run;
                clen_push(seq, 18, take - 11);
                run -= take;
            }
            if (run >= 3) {
                clen_push(seq, 17, run - 3);
                run = 0;
            }
        } else {
            clen_push(seq, value, 0);
            run--;
            while (run >= 3) {
                int take = run > 6 ? 6 : run;
                clen_push(seq, 16, take - 3);
                run -= take;
            }
        }
        for (; run > 0; run--) clen_push(seq, value, 0);
    }
}

static int clen_extra_bits(int symbol) { return symbol == 16 ? 2 : symbol == 17 ? 3 : symbol == 18 ? 7 : 0; }

size_t zpack(ZPack *pack, const uint8_t *data, size_t size, uint8_t *out)
{
    ASSERT(size <= UINT32_MAX);
    pthread_once(&tables_once, tables_make);
    if (pack->table == NULL) {
        pack->table = calloc((size_t)1 << ZPACK_HASH_BITS, sizeof *pack->table);
        if (pack->table == NULL) return 0;
    }
    if (size > pack->token_capacity) {
        uint32_t *tokens = realloc(pack->tokens, size * sizeof *tokens);
        if (tokens == NULL) return 0;
        pack->tokens = tokens;
        pack->token_capacity = size;
    }
    uint32_t freq[LITLEN_COUNT] = {0};
    uint32_t dist_freq[DIST_COUNT] = {0};
    size_t   token_count = tokenize(pack, data, size, pack->tokens, freq, dist_freq);
    freq[SYMBOL_EOB] = 1;

    uint8_t  lengths[LITLEN_COUNT], dist_lengths[DIST_COUNT];
    uint16_t codes[LITLEN_COUNT], dist_codes[DIST_COUNT];
    huff_lengths(freq, LITLEN_COUNT, LITLEN_BITS_MAX, lengths);
    int hlit = LITLEN_COUNT;
    while (hlit > 257 && lengths[hlit - 1] == 0) hlit--;
    int used_dists = 0;
    for (int code = 0; code < DIST_COUNT; code++) used_dists += dist_freq[code] != 0;
    if (used_dists == 0) {
        /* no matches: one distance code of length 1, the incomplete code inflate accepts */
        memset(dist_lengths, 0, sizeof dist_lengths);
        dist_lengths[0] = 1;
    } else {
        huff_lengths(dist_freq, DIST_COUNT, LITLEN_BITS_MAX, dist_lengths);
    }
    int hdist = DIST_COUNT;
    while (hdist > 1 && dist_lengths[hdist - 1] == 0) hdist--;

    /* the code lengths sent: hlit literal/length ones, then hdist distance ones */
    uint8_t sent_lengths[LITLEN_COUNT + DIST_COUNT];
    memcpy(sent_lengths, lengths, (size_t)hlit);
    memcpy(sent_lengths + hlit, dist_lengths, (size_t)hdist);
    ClenSeq seq = {.count = 0};
    clen_encode(sent_lengths, hlit + hdist, &seq);
    uint8_t  clen_lengths[CLEN_COUNT];
    uint16_t clen_codes[CLEN_COUNT];
    huff_lengths(seq.freq, CLEN_COUNT, CLEN_BITS_MAX, clen_lengths);
    int hclen = CLEN_COUNT;
    while (hclen > 4 && clen_lengths[CLEN_ORDER[hclen - 1]] == 0) hclen--;

    /* the exact size first: nothing is written when it would not pay */
    uint64_t bits = 3 + 5 + 5 + 4 + 3 * (uint64_t)hclen;
    for (int idx = 0; idx < seq.count; idx++) {
        bits += clen_lengths[seq.symbol[idx]] + (uint64_t)clen_extra_bits(seq.symbol[idx]);
    }
    for (int sym = 0; sym < LITLEN_COUNT; sym++) {
        uint64_t per = lengths[sym];
        if (sym > SYMBOL_EOB) per += LENGTH_EXTRA[sym - 257];
        bits += per * freq[sym];
    }
    for (int code = 0; code < DIST_COUNT; code++) {
        uint64_t per = dist_lengths[code] + (uint64_t)(code < 4 ? 0 : code / 2 - 1);
        bits += per * dist_freq[code];
    }
    size_t total = 2 + (size_t)((bits + 7) / 8) + 4;
    if (total >= size) return 0;

    huff_codes(lengths, LITLEN_COUNT, codes);
    huff_codes(dist_lengths, DIST_COUNT, dist_codes);
    huff_codes(clen_lengths, CLEN_COUNT, clen_codes);
    out[0] = 0x78;   /* deflate, 32 KiB window */
    out[1] = 0x01;   /* fastest level; (0x78 * 256 + 0x01) % 31 == 0 */
    BitOut bit_out = {.acc = 0, .count = 0, .at = out + 2};
    bits_put(&bit_out, 1 | (2 << 1), 3);   /* BFINAL, BTYPE = dynamic */
    bits_put(&bit_out, (uint32_t)(hlit - 257), 5);
    bits_put(&bit_out, (uint32_t)(hdist - 1), 5);
    bits_put(&bit_out, (uint32_t)(hclen - 4), 4);
    for (int idx = 0; idx < hclen; idx++) bits_put(&bit_out, clen_lengths[CLEN_ORDER[idx]], 3);
    for (int idx = 0; idx < seq.count; idx++) {
        int symbol = seq.symbol[idx];
        bits_put(&bit_out, clen_codes[symbol], clen_lengths[symbol]);
        if (clen_extra_bits(symbol) != 0) bits_put(&bit_out, seq.extra[idx], clen_extra_bits(symbol));
    }
    const uint32_t *tokens = pack->tokens;
    for (size_t idx = 0; idx < token_count; idx++) {
        uint32_t token = tokens[idx];
        if (token < 256) {
            bits_put(&bit_out, codes[token], lengths[token]);
            continue;
        }
        /* at most 15 + 5 bits, then 15 + 13: two puts keep the accumulator below 64 bits */
        int      len = (int)(token & 0x1FF);
        uint32_t dist = (token >> 9) & 0xFFFF;
        int      code = length_symbol[len];
        int      sym = 257 + code;
        bits_put(&bit_out, codes[sym] | ((uint32_t)(len - LENGTH_BASE[code]) << lengths[sym]),
                 lengths[sym] + LENGTH_EXTRA[code]);
        int      extra_bits;
        int      dcode = dist_code(dist, &extra_bits);
        uint32_t extra = extra_bits == 0 ? 0 : (dist - 1) - ((2u | (dcode & 1)) << extra_bits);
        bits_put(&bit_out, dist_codes[dcode] | (extra << dist_lengths[dcode]),
                 dist_lengths[dcode] + extra_bits);
    }
    bits_put(&bit_out, codes[SYMBOL_EOB], lengths[SYMBOL_EOB]);
    bits_flush(&bit_out);
    uint32_t adler = (uint32_t)adler32(adler32(0, NULL, 0), data, (uInt)size);
    uint8_t *at = bit_out.at;
    at[0] = (uint8_t)(adler >> 24);
    at[1] = (uint8_t)(adler >> 16);
    at[2] = (uint8_t)(adler >> 8);
    at[3] = (uint8_t)adler;
    at += 4;
    ASSERT((size_t)(at - out) == total);
    return total;
}
