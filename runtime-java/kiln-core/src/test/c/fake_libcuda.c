/*
 * A stand-in libcuda.so.1 for machines without a GPU: just enough of the CUDA driver API, with the
 * real symbol names and signatures, for Kiln's FFM binding and cuda backend to run end to end.
 * "Device" memory is host memory; cuLaunchKernel runs saxpy and block_sum on the host from the
 * marshalled kernelParams, grid, block and sharedMemBytes, so a wrong argument layout gives wrong
 * numbers. cuModuleLoadDataEx rejects PTX containing "this_is_not_ptx" with a JIT error log, as the
 * driver does. Streams are real queues of deferred host work: the stand-in libnccl enqueues its
 * collectives with kilnFakeStreamEnqueue (its stand-in for NCCL's kernels on a stream), and they run only
 * when that stream is synchronised or a copy on that stream needs them (stream order), so a caller that
 * enqueues on one stream and reads on another without synchronising sees stale memory, as on a GPU.
 * Test-only: FakeCudaDriverTest compiles it with cc and loads it via LD_LIBRARY_PATH.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;
enum { OK = 0, INVALID_VALUE = 1, NOT_INITIALIZED = 3, INVALID_PTX = 218, INVALID_HANDLE = 400, NOT_FOUND = 500, NOT_READY = 600,
       LAUNCH_FAILED = 719 };

static int initialized;
static int ctx_dummy;

/* A stream: a queue of deferred host work, run in order when the stream is synchronised. NULL is the legacy
 * default stream, a stream of its own here (synchronised by cuCtxSynchronize). */
#define STREAM_MAGIC 0x4b53544dU
typedef int (*work_fn)(void *);
typedef struct { unsigned magic; int n, cap; work_fn *fn; void **arg; } stream_t;
static stream_t legacy_stream = {STREAM_MAGIC, 0, 0, NULL, NULL};
static pthread_mutex_t streams_lock = PTHREAD_MUTEX_INITIALIZER;

static stream_t *stream_of(void *s) {
    stream_t *st = s ? s : &legacy_stream;
    return st->magic == STREAM_MAGIC ? st : NULL;
}

/* Exported for the stand-in libnccl: run fn(arg) on the stream, after the work before it. */
int kilnFakeStreamEnqueue(void *s, work_fn fn, void *arg) {
    stream_t *st = stream_of(s);
    if (!st) return INVALID_HANDLE;
    pthread_mutex_lock(&streams_lock);
    if (st->n == st->cap) {
        st->cap = st->cap ? 2 * st->cap : 16;
        st->fn = realloc(st->fn, st->cap * sizeof *st->fn);
        st->arg = realloc(st->arg, st->cap * sizeof *st->arg);
    }
    st->fn[st->n] = fn;
    st->arg[st->n] = arg;
    st->n++;
    pthread_mutex_unlock(&streams_lock);
    return OK;
}

/* Runs the stream's pending work in order; a failed item fails the stream (CUDA_ERROR_LAUNCH_FAILED). */
static CUresult drain(stream_t *st) {
    CUresult rc = OK;
    for (;;) {
        pthread_mutex_lock(&streams_lock);
        if (st->n == 0) { pthread_mutex_unlock(&streams_lock); return rc; }
        work_fn fn = st->fn[0];
        void *arg = st->arg[0];
        memmove(st->fn, st->fn + 1, (st->n - 1) * sizeof *st->fn);
        memmove(st->arg, st->arg + 1, (st->n - 1) * sizeof *st->arg);
        st->n--;
        pthread_mutex_unlock(&streams_lock);
        if (fn(arg) != 0) rc = LAUNCH_FAILED;
    }
}
typedef struct { char *ptx; } module_t;
typedef struct { int kind; } function_t;   /* 1 = saxpy, 2 = block_sum */
typedef struct { int recorded; } event_t;

CUresult cuGetErrorName(CUresult e, const char **s) {
    switch (e) {
        case OK: *s = "CUDA_SUCCESS"; return OK;
        case INVALID_VALUE: *s = "CUDA_ERROR_INVALID_VALUE"; return OK;
        case NOT_INITIALIZED: *s = "CUDA_ERROR_NOT_INITIALIZED"; return OK;
        case INVALID_PTX: *s = "CUDA_ERROR_INVALID_PTX"; return OK;
        case NOT_FOUND: *s = "CUDA_ERROR_NOT_FOUND"; return OK;
        case NOT_READY: *s = "CUDA_ERROR_NOT_READY"; return OK;
        case INVALID_HANDLE: *s = "CUDA_ERROR_INVALID_HANDLE"; return OK;
        case LAUNCH_FAILED: *s = "CUDA_ERROR_LAUNCH_FAILED"; return OK;
        default: *s = NULL; return INVALID_VALUE;
    }
}
CUresult cuGetErrorString(CUresult e, const char **s) {
    switch (e) {
        case INVALID_PTX: *s = "a PTX JIT compilation failed"; return OK;
        case NOT_FOUND: *s = "named symbol not found"; return OK;
        case INVALID_VALUE: *s = "invalid argument"; return OK;
        case LAUNCH_FAILED: *s = "unspecified launch failure"; return OK;
        default: *s = NULL; return INVALID_VALUE;
    }
}
CUresult cuInit(unsigned flags) { initialized = flags == 0; return initialized ? OK : INVALID_VALUE; }
CUresult cuDriverGetVersion(int *v) { *v = 13000; return OK; }
CUresult cuDeviceGetCount(int *n) { if (!initialized) return NOT_INITIALIZED; *n = 1; return OK; }
CUresult cuDeviceGet(int *d, int ordinal) { if (ordinal != 0) return INVALID_VALUE; *d = 0; return OK; }
CUresult cuDeviceGetName(char *name, int len, int dev) { snprintf(name, len, "Kiln fake GPU %d", dev); return OK; }
CUresult cuDeviceTotalMem_v2(size_t *bytes, int dev) { *bytes = (size_t) 1 << 30; return OK; }
CUresult cuDeviceGetAttribute(int *v, int attr, int dev) {
    switch (attr) {
        case 1: *v = 1024; break;            /* max threads per block */
        case 8: *v = 48 * 1024; break;       /* shared memory per block */
        case 10: *v = 32; break;             /* warp size */
        case 13: *v = 1980000; break;        /* clock kHz */
        case 16: *v = 132; break;            /* SMs */
        case 37: *v = 5120; break;
        case 38: *v = 50 * 1024 * 1024; break;
        case 75: *v = 9; break;
        case 76: *v = 0; break;
        case 97: *v = 227 * 1024; break;
        default: return INVALID_VALUE;
    }
    return OK;
}
CUresult cuDevicePrimaryCtxRetain(void **ctx, int dev) { *ctx = &ctx_dummy; return OK; }
CUresult cuDevicePrimaryCtxRelease_v2(int dev) { return OK; }
CUresult cuCtxSetCurrent(void *ctx) { return ctx == &ctx_dummy ? OK : INVALID_VALUE; }
CUresult cuCtxSynchronize(void) { return drain(&legacy_stream); }
CUresult cuStreamCreate(void **s, unsigned flags) {
    stream_t *st = calloc(1, sizeof *st);
    st->magic = STREAM_MAGIC;
    *s = st;
    return OK;
}
CUresult cuStreamSynchronize(void *s) { stream_t *st = stream_of(s); return st ? drain(st) : INVALID_HANDLE; }
CUresult cuStreamDestroy_v2(void *s) {
    stream_t *st = s ? stream_of(s) : NULL;
    if (!st) return INVALID_HANDLE;
    CUresult rc = drain(st);   /* the driver lets pending work finish before it frees the stream */
    st->magic = 0;
    free(st->fn);
    free(st->arg);
    free(st);
    return rc;
}
CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n) { void *m = calloc(1, n); if (!m) return 2; *p = (CUdeviceptr) (uintptr_t) m; return OK; }
CUresult cuMemFree_v2(CUdeviceptr p) { free((void *) (uintptr_t) p); return OK; }
/* Copies are stream-ordered: the work enqueued before them on their stream runs first. */
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void *h, size_t n, void *s) {
    stream_t *st = stream_of(s);
    if (!st) return INVALID_HANDLE;
    CUresult rc = drain(st);
    memcpy((void *) (uintptr_t) d, h, n);
    return rc;
}
CUresult cuMemcpyDtoHAsync_v2(void *h, CUdeviceptr d, size_t n, void *s) {
    stream_t *st = stream_of(s);
    if (!st) return INVALID_HANDLE;
    CUresult rc = drain(st);
    memcpy(h, (void *) (uintptr_t) d, n);
    return rc;
}

CUresult cuModuleLoadDataEx(void **mod, const void *image, unsigned n, int *options, void **values) {
    const char *ptx = image;
    if (strstr(ptx, "this_is_not_ptx")) {
        for (unsigned i = 0; i < n; i++) {
            if (options[i] == 5) {   /* CU_JIT_ERROR_LOG_BUFFER, its size in the next option */
                size_t cap = 0;
                for (unsigned j = 0; j < n; j++) if (options[j] == 6) cap = (size_t) (uintptr_t) values[j];
                snprintf((char *) values[i], cap, "ptxas application ptx input, line 4; error   : Unknown symbol 'this_is_not_ptx'");
            }
        }
        return INVALID_PTX;
    }
    module_t *m = malloc(sizeof *m);
    m->ptx = strdup(ptx);
    *mod = m;
    return OK;
}
CUresult cuModuleUnload(void *mod) { module_t *m = mod; free(m->ptx); free(m); return OK; }
CUresult cuModuleGetFunction(void **f, void *mod, const char *name) {
    module_t *m = mod;
    char entry[256];
    snprintf(entry, sizeof entry, ".entry %s(", name);
    if (!strstr(m->ptx, entry)) return NOT_FOUND;
    function_t *fn = malloc(sizeof *fn);
    fn->kind = strcmp(name, "saxpy") == 0 ? 1 : strcmp(name, "block_sum") == 0 ? 2 : 0;
    *f = fn;
    return OK;
}
CUresult cuFuncGetParamInfo(void *f, size_t index, size_t *offset, size_t *size) {
    static const size_t saxpy[] = {4, 4, 8, 8}, block_sum[] = {4, 8, 8, 8};
    function_t *fn = f;
    if (index >= 4 || fn->kind == 0) return INVALID_VALUE;
    *size = (fn->kind == 1 ? saxpy : block_sum)[index];
    *offset = index * 8;
    return OK;
}
CUresult cuFuncSetAttribute(void *f, int attr, int value) { return OK; }

CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, void *stream, void **params, void **extra) {
    function_t *fn = f;
    if (stream == NULL || stream_of(stream) == NULL || extra != NULL || gy != 1 || gz != 1 || by != 1 || bz != 1) return INVALID_VALUE;
    drain(stream_of(stream));   /* stream order: the work enqueued before the kernel runs first */
    size_t global = (size_t) gx * bx;
    int n = *(int *) params[0];
    if (fn->kind == 1) {
        float a = *(float *) params[1];
        float *x = (float *) (uintptr_t) *(CUdeviceptr *) params[2];
        float *y = (float *) (uintptr_t) *(CUdeviceptr *) params[3];
        if (shared != 0) return INVALID_VALUE;
        for (size_t i = 0; i < global; i++) if (i < (size_t) n) y[i] = fmaf(a, x[i], y[i]);
        return OK;
    }
    if (fn->kind == 2) {
        float *x = (float *) (uintptr_t) *(CUdeviceptr *) params[1];
        float *partial = (float *) (uintptr_t) *(CUdeviceptr *) params[2];
        if (*(void **) params[3] != NULL || shared < bx * sizeof(float)) return INVALID_VALUE;
        for (unsigned g = 0; g < gx; g++) {
            float sum = 0;
            for (unsigned t = 0; t < bx; t++)
                for (size_t i = (size_t) g * bx + t; i < (size_t) n; i += global) sum += x[i];
            partial[g] = sum;
        }
        return OK;
    }
    return INVALID_VALUE;
}

CUresult cuEventCreate(void **e, unsigned flags) { event_t *ev = calloc(1, sizeof *ev); *e = ev; return OK; }
CUresult cuEventRecord(void *e, void *s) { ((event_t *) e)->recorded = 1; return OK; }
CUresult cuEventQuery(void *e) { return ((event_t *) e)->recorded ? OK : NOT_READY; }
CUresult cuEventSynchronize(void *e) { return ((event_t *) e)->recorded ? OK : INVALID_VALUE; }
CUresult cuEventElapsedTime_v2(float *ms, void *a, void *b) { *ms = 0.001f; return OK; }
CUresult cuEventDestroy_v2(void *e) { free(e); return OK; }
