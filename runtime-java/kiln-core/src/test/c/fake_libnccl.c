/*
 * A stand-in libnccl.so.2 for checking Kiln's NCCL binding on a machine without a GPU. It keeps NCCL's ABI
 * (nccl.h of NCCL 2.x): ncclUniqueId is a 128-byte struct passed BY VALUE to ncclCommInitRank, counts are
 * size_t, enums are int. "Device" pointers are host memory here, and the one process plays all ranks with
 * the same input, so a sum allreduce is the input times nranks. What it proves is the Java side: symbol
 * names, descriptors, by-value struct passing and status handling; what a GPU computes needs a GPU.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char internal[128]; } ncclUniqueId;
typedef struct fakeComm { int nranks; int rank; unsigned char id[128]; int destroyed; } *ncclComm_t;
typedef int ncclResult_t;
enum { ncclSuccess = 0, ncclInvalidArgument = 4 };
enum { ncclFloat32 = 7 };
enum { ncclSum = 0 };

ncclResult_t ncclGetVersion(int *version) {
    if (!version) return ncclInvalidArgument;
    *version = 22304; /* NCCL_VERSION(2, 23, 4) */
    return ncclSuccess;
}

/* A recognisable id: byte i is (i * 37 + 11) mod 256. */
ncclResult_t ncclGetUniqueId(ncclUniqueId *id) {
    if (!id) return ncclInvalidArgument;
    for (int i = 0; i < 128; i++) id->internal[i] = (char) (i * 37 + 11);
    return ncclSuccess;
}

ncclResult_t ncclCommInitRank(ncclComm_t *comm, int nranks, ncclUniqueId commId, int rank) {
    if (!comm || nranks < 1 || rank < 0 || rank >= nranks) return ncclInvalidArgument;
    struct fakeComm *c = calloc(1, sizeof *c);
    c->nranks = nranks;
    c->rank = rank;
    memcpy(c->id, commId.internal, 128); /* the test reads it back: the by-value struct must arrive whole */
    *comm = c;
    return ncclSuccess;
}

ncclResult_t ncclAllReduce(const void *sendbuff, void *recvbuff, size_t count, int datatype, int op, ncclComm_t comm, void *stream) {
    (void) stream;
    if (!sendbuff || !recvbuff || !comm || comm->destroyed || datatype != ncclFloat32 || op != ncclSum) return ncclInvalidArgument;
    const float *in = sendbuff;
    float *out = recvbuff;
    for (size_t i = 0; i < count; i++) out[i] = in[i] * (float) comm->nranks;
    return ncclSuccess;
}

ncclResult_t ncclCommDestroy(ncclComm_t comm) {
    if (!comm || comm->destroyed) return ncclInvalidArgument;
    comm->destroyed = 1; /* kept, not freed, so a second destroy is caught as misuse */
    return ncclSuccess;
}

const char *ncclGetErrorString(ncclResult_t result) {
    switch (result) {
        case ncclSuccess: return "no error";
        case ncclInvalidArgument: return "invalid argument (run with NCCL_DEBUG=WARN for details)";
        default: return "unknown result code";
    }
}
