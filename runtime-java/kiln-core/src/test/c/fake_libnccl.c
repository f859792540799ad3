/*
 * A stand-in libnccl.so.2 for checking Kiln's NCCL binding and its NCCL communicator on a machine without a GPU.
 * It keeps NCCL's ABI (nccl.h of NCCL 2.x): ncclUniqueId is a 128-byte struct passed BY VALUE to ncclCommInitRank,
 * counts are size_t, enums are int, comms and streams are pointers.
 *
 * What it does: the ranks are separate processes (or threads) that share one POSIX shared-memory segment named
 * after the unique id, so they meet only if the id rank 0 created reached every rank intact. "Device" pointers
 * are host memory (the stand-in libcuda's cuMemAlloc is calloc). Every collective and every ncclSend/ncclRecv
 * really moves the data between ranks: each rank copies what it contributes into its slot, all wait at a
 * barrier (bounded: KILN_FAKE_NCCL_TIMEOUT_S, default 60 s), each computes its own result from the others'
 * slots, and all wait again. Sums are fp32 in rank order.
 *   - Group semantics: between ncclGroupStart and ncclGroupEnd calls are only recorded; at ncclGroupEnd they
 *     run as one round. A ncclSend whose peer did not post the matching ncclRecv in the same round (what
 *     real NCCL turns into a hang) fails the round, and so do collectives that differ across ranks (kind,
 *     count, type, op, root) or come in a different order.
 *   - Stream semantics: when the stand-in libcuda is loaded, a round is enqueued on the caller's stream
 *     (kilnFakeStreamEnqueue) and runs only when that stream is synchronised or copied from, so results read
 *     without synchronising the right stream are stale, as on a GPU. A failed round fails the stream
 *     (CUDA_ERROR_LAUNCH_FAILED) and is kept for ncclCommGetAsyncError. Without libcuda, calls run at once.
 *   - KILN_FAKE_NCCL_FAIL=<function> makes that function return ncclSystemError, so the error path can be seen.
 * What it does not prove: anything about a GPU (kernels, NVLink/IB transports, CUDA graphs, real async
 * progress, rings and trees and their summation order); that needs a GPU run.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

typedef struct { char internal[128]; } ncclUniqueId;
typedef int ncclResult_t;
enum { ncclSuccess = 0, ncclUnhandledCudaError = 1, ncclSystemError = 2, ncclInternalError = 3, ncclInvalidArgument = 4,
       ncclInvalidUsage = 5, ncclRemoteError = 6 };
enum { ncclInt8 = 0, ncclUint8 = 1, ncclFloat32 = 7 };
enum { ncclSum = 0 };
enum { ALL_REDUCE = 1, REDUCE_SCATTER, ALL_GATHER, BROADCAST, SEND, RECV };
static const char *KIND_NAMES[] = {"?", "ncclAllReduce", "ncclReduceScatter", "ncclAllGather", "ncclBroadcast", "ncclSend", "ncclRecv"};

#define MAGIC "kiln-fake-nccl"
#define MAX_RANKS 64
#define MAX_OPS 256
#define HEADER_BYTES 4096
#define SLOT_HEADER_BYTES (64 + MAX_OPS * sizeof(op_desc))

/* One call as every rank sees it in shared memory; count is NCCL's (per-rank count for reduce-scatter and all-gather). */
typedef struct { int32_t kind, datatype, redop, root_or_peer; uint64_t count, data_off; } op_desc;
typedef struct { op_desc d; const void *send; void *recv; } op_t;
typedef struct { atomic_int arrived; atomic_int generation; } shm_header; /* all zero is the initial state */

/* The first four fields are read back by FakeNcclProbe; keep them first. */
struct fakeComm {
    int nranks, rank;
    unsigned char id[128];
    int destroyed;
    unsigned char *shm;
    size_t slot_bytes, shm_bytes;
    int async_error;
};
typedef struct fakeComm *ncclComm_t;

typedef struct { struct fakeComm *comm; int nops; op_t ops[MAX_OPS]; } round_t;

static __thread int group_depth;
static __thread round_t *pending;
static __thread void *pending_stream;
static __thread ncclResult_t group_error;

static int failing(const char *function) {
    const char *f = getenv("KILN_FAKE_NCCL_FAIL");
    return f && strcmp(f, function) == 0;
}

static size_t type_size(int datatype) {
    switch (datatype) {
        case ncclInt8: case ncclUint8: return 1;
        case ncclFloat32: return 4;
        default: return 0;
    }
}

ncclResult_t ncclGetVersion(int *version) {
    if (!version) return ncclInvalidArgument;
    *version = 22304; /* NCCL_VERSION(2, 23, 4) */
    return ncclSuccess;
}

/* "kiln-fake-nccl" then 112 random bytes: every job gets its own shared segment. */
ncclResult_t ncclGetUniqueId(ncclUniqueId *id) {
    if (!id) return ncclInvalidArgument;
    if (failing("ncclGetUniqueId")) return ncclSystemError;
    memset(id->internal, 0, 16);
    memcpy(id->internal, MAGIC, strlen(MAGIC));
    if (getrandom(id->internal + 16, 112, 0) != 112) return ncclSystemError;
    return ncclSuccess;
}

/* Real NCCL meets the other ranks inside ncclCommInitRank; this one meets them at the first round, so that a
 * single-process probe can check what init received without a partner. */
ncclResult_t ncclCommInitRank(ncclComm_t *comm, int nranks, ncclUniqueId commId, int rank) {
    if (!comm || nranks < 1 || nranks > MAX_RANKS || rank < 0 || rank >= nranks) return ncclInvalidArgument;
    if (failing("ncclCommInitRank")) return ncclSystemError;
    struct fakeComm *c = calloc(1, sizeof *c);
    c->nranks = nranks;
    c->rank = rank;
    memcpy(c->id, commId.internal, 128); /* the probe reads it back: the by-value struct must arrive whole */
    *comm = c;
    return ncclSuccess;
}

static int attach(struct fakeComm *c) {
    if (c->shm) return 0;
    if (memcmp(c->id, MAGIC, strlen(MAGIC)) != 0) {
        fprintf(stderr, "fake libnccl: rank %d: the unique id does not come from ncclGetUniqueId\n", c->rank);
        return -1;
    }
    char name[64];
    int at = snprintf(name, sizeof name, "/kiln-fake-nccl-");
    for (int i = 16; i < 32; i++) at += snprintf(name + at, sizeof name - at, "%02x", c->id[i]);
    const char *mib = getenv("KILN_FAKE_NCCL_SLOT_MIB");
    c->slot_bytes = (size_t) (mib ? atol(mib) : 64) << 20;
    c->shm_bytes = HEADER_BYTES + (size_t) c->nranks * c->slot_bytes;
    int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
    if (fd < 0 || ftruncate(fd, (off_t) c->shm_bytes) != 0) {
        perror("fake libnccl: shm_open/ftruncate");
        if (fd >= 0) close(fd);
        return -1;
    }
    void *p = mmap(NULL, c->shm_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) { perror("fake libnccl: mmap"); return -1; }
    c->shm = p;
    return 0;
}

static void detach_name_once_all_joined(struct fakeComm *c) {
    if (c->rank != 0) return;
    char name[64];
    int at = snprintf(name, sizeof name, "/kiln-fake-nccl-");
    for (int i = 16; i < 32; i++) at += snprintf(name + at, sizeof name - at, "%02x", c->id[i]);
    shm_unlink(name); /* every rank has mapped it by now; the segment lives until the last munmap */
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* A sense-reversing barrier over the shared header that gives up after the timeout instead of hanging. */
static int barrier(struct fakeComm *c) {
    shm_header *h = (shm_header *) c->shm;
    int gen = atomic_load(&h->generation);
    if (atomic_fetch_add(&h->arrived, 1) == c->nranks - 1) {
        atomic_store(&h->arrived, 0);
        atomic_fetch_add(&h->generation, 1);
        return 0;
    }
    const char *t = getenv("KILN_FAKE_NCCL_TIMEOUT_S");
    double deadline = now_s() + (t ? atof(t) : 60.0);
    struct timespec nap = {0, 100000};
    for (long spins = 0; atomic_load(&h->generation) == gen; spins++) {
        if (spins < 100) { sched_yield(); continue; }
        if (now_s() > deadline) {
            fprintf(stderr, "fake libnccl: rank %d: the other ranks did not arrive within the timeout\n", c->rank);
            return -1;
        }
        nanosleep(&nap, NULL);
    }
    return 0;
}

static unsigned char *slot(struct fakeComm *c, int r) { return c->shm + HEADER_BYTES + (size_t) r * c->slot_bytes; }
static int *slot_nops(struct fakeComm *c, int r) { return (int *) slot(c, r); }
static op_desc *slot_ops(struct fakeComm *c, int r) { return (op_desc *) (slot(c, r) + 64); }
static unsigned char *slot_data(struct fakeComm *c, int r) { return slot(c, r) + SLOT_HEADER_BYTES; }

/* Bytes a rank contributes to its slot for op d. */
static size_t contributed(const op_desc *d, int rank, int nranks) {
    size_t es = type_size(d->datatype);
    switch (d->kind) {
        case ALL_REDUCE: case ALL_GATHER: case SEND: return d->count * es;
        case REDUCE_SCATTER: return d->count * es * nranks;
        case BROADCAST: return rank == d->root_or_peer ? d->count * es : 0;
        default: return 0;
    }
}

/* The index-th collective (not send/recv) of rank r's round, or NULL. */
static const op_desc *nth_collective(struct fakeComm *c, int r, int index) {
    int n = *slot_nops(c, r);
    const op_desc *ops = slot_ops(c, r);
    for (int i = 0; i < n; i++) {
        if (ops[i].kind == SEND || ops[i].kind == RECV) continue;
        if (index-- == 0) return &ops[i];
    }
    return NULL;
}

/* The index-th op of `kind` on rank r addressed to `peer`, or NULL. */
static const op_desc *nth_p2p(struct fakeComm *c, int r, int kind, int peer, int index) {
    int n = *slot_nops(c, r);
    const op_desc *ops = slot_ops(c, r);
    for (int i = 0; i < n; i++) {
        if (ops[i].kind == kind && ops[i].root_or_peer == peer && index-- == 0) return &ops[i];
    }
    return NULL;
}

static int count_p2p(const round_t *r, int upto, int kind, int peer) {
    int k = 0;
    for (int i = 0; i < upto; i++) k += r->ops[i].d.kind == kind && r->ops[i].d.root_or_peer == peer;
    return k;
}

/* One rank's part of a round; returns an ncclResult_t. */
static int execute(round_t *r) {
    struct fakeComm *c = r->comm;
    int me = c->rank, n = c->nranks, rc = ncclSuccess;
    size_t capacity = c->slot_bytes - SLOT_HEADER_BYTES, off = 0;
    op_desc *mine = slot_ops(c, me);
    for (int i = 0; i < r->nops; i++) {
        op_desc d = r->ops[i].d;
        size_t bytes = contributed(&d, me, n);
        if (off + bytes > capacity) {
            fprintf(stderr, "fake libnccl: rank %d: %zu bytes exceed the stand-in's slot (KILN_FAKE_NCCL_SLOT_MIB)\n", me, off + bytes);
            rc = ncclInternalError;
            bytes = 0;
        }
        if (bytes) memcpy(slot_data(c, me) + off, r->ops[i].send, bytes);
        d.data_off = off;
        off += (bytes + 63) & ~(size_t) 63;
        mine[i] = d;
    }
    *slot_nops(c, me) = r->nops;
    if (barrier(c)) return ncclRemoteError;
    if (r->comm->shm && me == 0) detach_name_once_all_joined(c);
    int collective = 0;
    for (int i = 0; i < r->nops && rc == ncclSuccess; i++) {
        const op_desc *d = &mine[i];
        size_t es = type_size(d->datatype);
        if (d->kind == SEND || d->kind == RECV) {
            int peer = d->root_or_peer, other = d->kind == SEND ? RECV : SEND;
            const op_desc *match = nth_p2p(c, peer, other, me, count_p2p(r, i, d->kind, peer));
            if (!match || match->count != d->count || match->datatype != d->datatype) {
                fprintf(stderr, "fake libnccl: rank %d: %s #%d with rank %d has no matching %s of %llu elements in the same group "
                        "(real NCCL would hang)\n", me, KIND_NAMES[d->kind], count_p2p(r, i, d->kind, peer), peer, KIND_NAMES[other],
                        (unsigned long long) d->count);
                rc = ncclInvalidUsage;
                break;
            }
            if (d->kind == RECV) memcpy(r->ops[i].recv, slot_data(c, peer) + match->data_off, d->count * es);
            continue;
        }
        const op_desc *peers[MAX_RANKS];
        for (int q = 0; q < n; q++) {
            peers[q] = nth_collective(c, q, collective);
            if (!peers[q] || peers[q]->kind != d->kind || peers[q]->count != d->count || peers[q]->datatype != d->datatype
                || peers[q]->redop != d->redop || peers[q]->root_or_peer != d->root_or_peer) {
                fprintf(stderr, "fake libnccl: rank %d: collective #%d is %s of %llu elements here but %s on rank %d "
                        "(real NCCL would hang or corrupt)\n", me, collective, KIND_NAMES[d->kind], (unsigned long long) d->count,
                        peers[q] ? KIND_NAMES[peers[q]->kind] : "missing", q);
                rc = ncclInvalidUsage;
                break;
            }
        }
        if (rc != ncclSuccess) break;
        collective++;
        size_t count = d->count;
        switch (d->kind) {
            case ALL_REDUCE:
            case REDUCE_SCATTER: {
                float *out = r->ops[i].recv;
                size_t base = d->kind == REDUCE_SCATTER ? (size_t) me * count : 0;
                for (size_t e = 0; e < count; e++) {
                    float s = 0;
                    for (int q = 0; q < n; q++) s += ((const float *) (slot_data(c, q) + peers[q]->data_off))[base + e];
                    out[e] = s;
                }
                break;
            }
            case ALL_GATHER:
                for (int q = 0; q < n; q++) memcpy((unsigned char *) r->ops[i].recv + q * count * es, slot_data(c, q) + peers[q]->data_off, count * es);
                break;
            case BROADCAST: {
                int root = d->root_or_peer;
                memcpy(r->ops[i].recv, slot_data(c, root) + peers[root]->data_off, count * es);
                break;
            }
        }
    }
    if (barrier(c)) return ncclRemoteError; /* nobody rewrites a slot before all have read it */
    return rc;
}

static int run_round(void *arg) {
    round_t *r = arg;
    int rc = attach(r->comm) ? ncclSystemError : execute(r);
    if (rc != ncclSuccess) r->comm->async_error = rc;
    free(r);
    return rc;
}

typedef int (*work_fn)(void *);
static int (*resolve_enqueue(void))(void *, work_fn, void *) {
    static int (*enqueue)(void *, work_fn, void *);
    static int resolved;
    if (!resolved) {
        void *cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD); /* only the one the process already loaded */
        if (cuda) enqueue = (int (*)(void *, work_fn, void *)) dlsym(cuda, "kilnFakeStreamEnqueue");
        resolved = 1;
    }
    return enqueue;
}

static ncclResult_t submit(round_t *r, void *stream) {
    int (*enqueue)(void *, work_fn, void *) = resolve_enqueue();
    if (enqueue) return enqueue(stream, run_round, r) == 0 ? ncclSuccess : ncclUnhandledCudaError;
    return run_round(r);
}

static ncclResult_t post(const char *function, ncclComm_t comm, int kind, const void *send, void *recv, size_t count, int datatype,
                         int redop, int root_or_peer, void *stream) {
    if (failing(function)) return ncclSystemError;
    if (!comm || comm->destroyed || type_size(datatype) == 0 || (count > 0 && kind != RECV && !send && !(kind == BROADCAST && root_or_peer != comm->rank))
        || (count > 0 && kind != SEND && !recv) || root_or_peer < 0 || root_or_peer >= comm->nranks
        || ((kind == ALL_REDUCE || kind == REDUCE_SCATTER) && (datatype != ncclFloat32 || redop != ncclSum))) {
        return ncclInvalidArgument;
    }
    op_t op = {{kind, datatype, redop, root_or_peer, count, 0}, send, recv};
    if (group_depth > 0) {
        if (!pending) {
            pending = calloc(1, sizeof *pending);
            pending->comm = comm;
            pending_stream = stream;
        }
        if (pending->comm != comm || pending_stream != stream || pending->nops == MAX_OPS) {
            fprintf(stderr, "fake libnccl: the stand-in runs one comm and one stream per group, at most %d calls\n", MAX_OPS);
            group_error = ncclInvalidUsage;
            return ncclInvalidUsage;
        }
        pending->ops[pending->nops++] = op;
        return ncclSuccess;
    }
    round_t *r = calloc(1, sizeof *r);
    r->comm = comm;
    r->nops = 1;
    r->ops[0] = op;
    return submit(r, stream);
}

ncclResult_t ncclAllReduce(const void *sendbuff, void *recvbuff, size_t count, int datatype, int op, ncclComm_t comm, void *stream) {
    return post("ncclAllReduce", comm, ALL_REDUCE, sendbuff, recvbuff, count, datatype, op, 0, stream);
}

ncclResult_t ncclReduceScatter(const void *sendbuff, void *recvbuff, size_t recvcount, int datatype, int op, ncclComm_t comm, void *stream) {
    return post("ncclReduceScatter", comm, REDUCE_SCATTER, sendbuff, recvbuff, recvcount, datatype, op, 0, stream);
}

ncclResult_t ncclAllGather(const void *sendbuff, void *recvbuff, size_t sendcount, int datatype, ncclComm_t comm, void *stream) {
    return post("ncclAllGather", comm, ALL_GATHER, sendbuff, recvbuff, sendcount, datatype, ncclSum, 0, stream);
}

ncclResult_t ncclBroadcast(const void *sendbuff, void *recvbuff, size_t count, int datatype, int root, ncclComm_t comm, void *stream) {
    return post("ncclBroadcast", comm, BROADCAST, sendbuff, recvbuff, count, datatype, ncclSum, root, stream);
}

ncclResult_t ncclSend(const void *sendbuff, size_t count, int datatype, int peer, ncclComm_t comm, void *stream) {
    return post("ncclSend", comm, SEND, sendbuff, NULL, count, datatype, ncclSum, peer, stream);
}

ncclResult_t ncclRecv(void *recvbuff, size_t count, int datatype, int peer, ncclComm_t comm, void *stream) {
    return post("ncclRecv", comm, RECV, NULL, recvbuff, count, datatype, ncclSum, peer, stream);
}

ncclResult_t ncclGroupStart(void) {
    if (failing("ncclGroupStart")) return ncclSystemError;
    if (group_depth++ == 0) group_error = ncclSuccess;
    return ncclSuccess;
}

ncclResult_t ncclGroupEnd(void) {
    if (group_depth == 0) return ncclInvalidUsage;
    if (--group_depth > 0) return ncclSuccess;
    round_t *r = pending;
    pending = NULL;
    if (group_error != ncclSuccess) { free(r); return group_error; }
    if (failing("ncclGroupEnd")) { free(r); return ncclSystemError; }
    return r ? submit(r, pending_stream) : ncclSuccess;
}

ncclResult_t ncclCommGetAsyncError(ncclComm_t comm, ncclResult_t *asyncError) {
    if (!comm || !asyncError) return ncclInvalidArgument;
    *asyncError = comm->async_error;
    return ncclSuccess;
}

ncclResult_t ncclCommDestroy(ncclComm_t comm) {
    if (!comm || comm->destroyed) return ncclInvalidArgument;
    comm->destroyed = 1; /* kept, not freed, so a second destroy is caught as misuse */
    if (comm->shm) munmap(comm->shm, comm->shm_bytes);
    comm->shm = NULL;
    return ncclSuccess;
}

/* NCCL 2.23's own strings. */
const char *ncclGetErrorString(ncclResult_t result) {
    switch (result) {
        case ncclSuccess: return "no error";
        case ncclUnhandledCudaError: return "unhandled cuda error (run with NCCL_DEBUG=INFO for details)";
        case ncclSystemError: return "unhandled system error (run with NCCL_DEBUG=INFO for details)";
        case ncclInternalError: return "internal error - please report this issue to the NCCL developers";
        case ncclInvalidArgument: return "invalid argument (run with NCCL_DEBUG=WARN for details)";
        case ncclInvalidUsage: return "invalid usage (run with NCCL_DEBUG=WARN for details)";
        case ncclRemoteError: return "remote process exited or there was a network error";
        default: return "unknown result code";
    }
}
