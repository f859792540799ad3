/**
 * The NCCL transport: {@link dev.kiln.collective.nccl.NcclCommunicator}, collectives on CUDA device buffers
 * (and host segments staged through them) with rank 0's ncclUniqueId shared over the control channel, and
 * {@link dev.kiln.collective.nccl.NcclTransport}, whether it can run here and why not. Checked against stand-in
 * libnccl and libcuda on the CPU; GPU run pending.
 */
package dev.kiln.collective.nccl;
