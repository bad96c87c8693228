/*
 * c3_cache.c -- a QEMU TCG plugin (qemu-user 7.2, plugin API v1) that models the ESP32-C3's flash cache for
 * `pose-edge bench` (c3CacheMisses, c3LatencyMs; src/workflows/bench/c3-cache.ts runs it, docs/performance.md
 * states the model and its assumptions).
 *
 * The C3 runs code and reads constant data from external flash through one cache shared by instruction
 * fetches and data reads: 16 KB, 8-way set associative, 32-byte lines (64 sets). Code in IRAM and data in
 * DRAM are on-chip SRAM and bypass it. This plugin sees every instruction the program executes and every
 * load it makes, and sends those that fall in a "flash" address range (given by the caller: the ELF sections
 * that ESP-IDF would leave in flash) through an LRU model of that cache, counting misses:
 *   - a fetch touches the line(s) of the instruction's bytes; consecutive fetches from one line count once
 *     (they cannot change which lines the cache holds);
 *   - a load touches the line(s) of its bytes; stores to flash do not happen (it is read-only).
 * It also counts, for the cycle estimate's stated assumptions, loads, stores, multiplies, divisions and
 * control transfers that are taken (the next executed instruction is not the following one).
 *
 * Arguments (-plugin c3_cache.so,arg=...,arg=...):
 *   flash=LO-HI   a cached address range, hex, half-open; may be repeated (at most 16)
 *   cold=ADDR     invalidate the whole cache each time the instruction at ADDR executes (hex): every
 *                 inference (ADDR = pose_model_run) starts with a cold cache
 *   out=PATH      where to write the counts (one "name value" per line) at exit
 *   lines=1       also write "line ADDR MISSES" for every line that missed, to see what misses
 *
 * No QEMU header is installed by Debian's qemu-user, so the few API v1 declarations used are below.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- qemu-plugin.h, API version 1 (QEMU 7.2) */
typedef uint64_t qemu_plugin_id_t;
typedef uint32_t qemu_plugin_meminfo_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_R = 1, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_MEM_RW };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int vcpu_index, qemu_plugin_meminfo_t info, uint64_t vaddr,
                                          void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_mem_cb_t cb,
                                      enum qemu_plugin_cb_flags flags, enum qemu_plugin_mem_rw rw, void *userdata);
unsigned int qemu_plugin_mem_size_shift(qemu_plugin_meminfo_t info);
_Bool qemu_plugin_mem_is_store(qemu_plugin_meminfo_t info);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* ---------------------------------------------------------------- the cache */
#define LINE_BYTES 32u
#define WAYS 8u
#define SETS 64u /* 16 KB / (8 ways x 32 B) */

static uint64_t tag_of[SETS][WAYS]; /* line number + 1 (0: empty), most recently used first */
static uint64_t fetch_misses, data_misses, fetch_accesses, data_accesses;

/* One access to a line; returns 1 on a miss. LRU: the line moves to the front of its set. */
static int touch(uint64_t line)
{
    uint64_t *set = tag_of[line % SETS], t = line + 1;
    unsigned w;
    for (w = 0; w < WAYS && set[w] != t; w++) {
    }
    const int miss = w == WAYS;
    if (miss) w = WAYS - 1; /* evict the least recently used */
    memmove(set + 1, set, w * sizeof *set);
    set[0] = t;
    return miss;
}

#define MAX_RANGES 256
static uint64_t range_lo[MAX_RANGES], range_hi[MAX_RANGES];
static unsigned n_ranges;
static uint64_t cold_addr = UINT64_MAX;
static const char *out_path;
static int want_lines;

static int in_flash(uint64_t a)
{
    for (unsigned i = 0; i < n_ranges; i++)
        if (a >= range_lo[i] && a < range_hi[i]) return 1;
    return 0;
}

/* misses per line, for lines=1: open addressing over line numbers */
#define LINE_SLOTS (1u << 16)
static uint64_t miss_line[LINE_SLOTS], miss_count[LINE_SLOTS];
static void record_miss(uint64_t line)
{
    if (!want_lines) return;
    uint32_t h = (uint32_t)(line * 2654435761u) & (LINE_SLOTS - 1);
    while (miss_line[h] && miss_line[h] != line + 1) h = (h + 1) & (LINE_SLOTS - 1);
    miss_line[h] = line + 1;
    miss_count[h]++;
}

/* ---------------------------------------------------------------- instruction classes */
enum { K_OTHER, K_LOAD, K_STORE, K_MUL, K_DIV, K_BRANCH, K_JUMP };
static uint64_t n_insns, n_class[7], n_taken;

/* The class of a RISC-V instruction (32-bit or compressed) from its bytes. */
static int classify(const uint8_t *b, size_t size)
{
    if (size == 2) {
        const unsigned h = (unsigned)b[0] | (unsigned)b[1] << 8, op = h & 3, f3 = h >> 13;
        if (op == 0) return f3 == 2 ? K_LOAD : f3 == 6 ? K_STORE : K_OTHER;      /* c.lw / c.sw */
        if (op == 1) return f3 == 1 || f3 == 5 ? K_JUMP : f3 >= 6 ? K_BRANCH : K_OTHER; /* c.jal c.j / c.beqz c.bnez */
        if (f3 == 2) return K_LOAD;                                              /* c.lwsp */
        if (f3 == 6) return K_STORE;                                             /* c.swsp */
        if (f3 == 4 && ((h >> 2) & 31) == 0 && ((h >> 7) & 31) != 0) return K_JUMP; /* c.jr / c.jalr */
        return K_OTHER;
    }
    const uint32_t w = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    const uint32_t opcode = w & 0x7f, f3 = (w >> 12) & 7, f7 = w >> 25;
    switch (opcode) {
    case 0x03: return K_LOAD;
    case 0x23: return K_STORE;
    case 0x63: return K_BRANCH;
    case 0x6f: case 0x67: return K_JUMP;
    case 0x33: return f7 == 1 ? (f3 < 4 ? K_MUL : K_DIV) : K_OTHER;
    default: return K_OTHER;
    }
}

struct insn_info {
    uint64_t vaddr;
    uint32_t size;
    int kind;
    int flash;
};

static uint64_t last_line = UINT64_MAX, next_pc = UINT64_MAX;

static void on_exec(unsigned int vcpu, void *ud)
{
    const struct insn_info *in = ud;
    (void)vcpu;
    if (in->vaddr == cold_addr) {
        memset(tag_of, 0, sizeof tag_of);
        last_line = UINT64_MAX;
    }
    if (next_pc != UINT64_MAX && in->vaddr != next_pc) n_taken++;
    next_pc = in->vaddr + in->size;
    n_insns++;
    n_class[in->kind]++;
    if (!in->flash) {
        last_line = UINT64_MAX;
        return;
    }
    const uint64_t first = in->vaddr / LINE_BYTES, last = (in->vaddr + in->size - 1) / LINE_BYTES;
    for (uint64_t l = first; l <= last; l++) {
        if (l == last_line) continue;
        fetch_accesses++;
        if (touch(l)) {
            fetch_misses++;
            record_miss(l);
        }
        last_line = l;
    }
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *ud)
{
    (void)vcpu;
    (void)ud;
    if (qemu_plugin_mem_is_store(info) || !in_flash(vaddr)) return;
    const uint64_t first = vaddr / LINE_BYTES, last = (vaddr + (1u << qemu_plugin_mem_size_shift(info)) - 1) / LINE_BYTES;
    for (uint64_t l = first; l <= last; l++) {
        data_accesses++;
        if (touch(l)) {
            data_misses++;
            record_miss(l);
        }
    }
    last_line = UINT64_MAX; /* a data line may have replaced the fetch line */
}

static void on_tb(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    const size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        struct insn_info *in = malloc(sizeof *in); /* lives as long as the translation (never freed: few) */
        if (!in) abort();
        in->vaddr = qemu_plugin_insn_vaddr(insn);
        in->size = (uint32_t)qemu_plugin_insn_size(insn);
        in->kind = classify(qemu_plugin_insn_data(insn), in->size);
        in->flash = in_flash(in->vaddr);
        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_exec, QEMU_PLUGIN_CB_NO_REGS, in);
        /* QEMU_PLUGIN_MEM_RW: qemu-user 7.2 calls back no QEMU_PLUGIN_MEM_R-only registration (measured) */
        if (in->kind == K_LOAD) qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, NULL);
    }
}

static void on_atexit(qemu_plugin_id_t id, void *ud)
{
    (void)id;
    (void)ud;
    FILE *f = out_path ? fopen(out_path, "w") : stderr;
    if (!f) return;
    fprintf(f, "instructions %llu\nfetch_accesses %llu\nfetch_misses %llu\ndata_accesses %llu\ndata_misses %llu\n",
            (unsigned long long)n_insns, (unsigned long long)fetch_accesses, (unsigned long long)fetch_misses,
            (unsigned long long)data_accesses, (unsigned long long)data_misses);
    fprintf(f, "loads %llu\nstores %llu\nmuls %llu\ndivs %llu\nbranches %llu\njumps %llu\ntaken %llu\n",
            (unsigned long long)n_class[K_LOAD], (unsigned long long)n_class[K_STORE],
            (unsigned long long)n_class[K_MUL], (unsigned long long)n_class[K_DIV],
            (unsigned long long)n_class[K_BRANCH], (unsigned long long)n_class[K_JUMP], (unsigned long long)n_taken);
    if (want_lines)
        for (uint32_t h = 0; h < LINE_SLOTS; h++)
            if (miss_line[h])
                fprintf(f, "line %llx %llu\n", (unsigned long long)((miss_line[h] - 1) * LINE_BYTES),
                        (unsigned long long)miss_count[h]);
    if (f != stderr) fclose(f);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                                               char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strncmp(a, "flash=", 6) && n_ranges < MAX_RANGES) {
            char *end;
            range_lo[n_ranges] = strtoull(a + 6, &end, 16);
            if (*end != '-') return -1;
            range_hi[n_ranges++] = strtoull(end + 1, NULL, 16);
        } else if (!strncmp(a, "cold=", 5)) {
            cold_addr = strtoull(a + 5, NULL, 16);
        } else if (!strncmp(a, "out=", 4)) {
            out_path = a + 4;
        } else if (!strcmp(a, "lines=1")) {
            want_lines = 1;
        } else {
            fprintf(stderr, "c3_cache: unknown argument '%s'\n", a);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb);
    qemu_plugin_register_atexit_cb(id, on_atexit, NULL);
    return 0;
}
