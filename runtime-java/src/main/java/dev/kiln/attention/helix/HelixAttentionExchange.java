package dev.kiln.attention.helix;

import dev.kiln.attention.AttentionKernels;
import dev.kiln.collective.Communicator;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;

/**
 * The one all-to-all of a Helix layer, for one rank and one micro-batch: the rank's partial states for
 * the query heads of its TPA slice are cut along the head axis into {@code kvp} chunks; chunk j goes to
 * KVP peer j as packed {@code [batch][headsPerChunk][vDim + 1]} floats (O, then LSE), so the stats travel
 * with the outputs in a single message. The receiver merges the {@code kvp} states per (sequence, head)
 * with the same merge kernel that joins splits inside a device. Volume is ∝ batch·heads·vDim, not S.
 */
public final class HelixAttentionExchange implements AutoCloseable {
    private final Device device;
    private final HelixMapping mapping;
    private final int rank, batch, vDim, slots, record;
    private final Buffer send, recv, mergedO, mergedLse;

    public HelixAttentionExchange(Device device, HelixMapping mapping, int rank, int batch, int vDim) {
        this.device = device;
        this.mapping = mapping;
        this.rank = rank;
        this.batch = batch;
        this.vDim = vDim;
        this.slots = mapping.headsPerChunk();
        this.record = vDim + 1;
        long chunkFloats = (long) batch * slots * record;
        this.send = device.allocate(chunkFloats * mapping.kvp() * Float.BYTES);
        this.recv = device.allocate(chunkFloats * mapping.kvp() * Float.BYTES);
        this.mergedO = device.allocate((long) batch * slots * vDim * Float.BYTES);
        this.mergedLse = device.allocate((long) batch * slots * Float.BYTES);
        if (!send.isHostAccessible()) throw new IllegalArgumentException("the in-process Helix exchange needs host-accessible buffers (cpu backend)");
    }

    /** Bytes this rank sends to each peer per exchange. */
    public long bytesPerPeer() { return (long) batch * slots * record * Float.BYTES; }

    /**
     * Packs partial states {@code o [batch][qHeadsPerRank][vDim]}, {@code lse [batch][qHeadsPerRank]} (host
     * segments) into the send buffer; padded head slots are empty states (0, −∞).
     */
    public void pack(MemorySegment o, MemorySegment lse) {
        MemorySegment s = send.hostSegment();
        int localHeads = mapping.qHeadsPerRank();
        for (int j = 0; j < mapping.kvp(); j++) {
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < slots; i++) {
                    int h = j * slots + i;
                    long dst = (((long) j * batch + b) * slots + i) * record;
                    if (h < localHeads) {
                        MemorySegment.copy(o, ((long) b * localHeads + h) * vDim * Float.BYTES, s, dst * Float.BYTES, (long) vDim * Float.BYTES);
                        s.setAtIndex(ValueLayout.JAVA_FLOAT, dst + vDim, lse.getAtIndex(ValueLayout.JAVA_FLOAT, (long) b * localHeads + h));
                    } else {
                        s.asSlice(dst * Float.BYTES, (long) vDim * Float.BYTES).fill((byte) 0);
                        s.setAtIndex(ValueLayout.JAVA_FLOAT, dst + vDim, Float.NEGATIVE_INFINITY);
                    }
                }
            }
        }
    }

    public void exchange(Communicator kvpGroup) {
        kvpGroup.allToAll(send.hostSegment(), recv.hostSegment());
    }

    /** HOP-B: the exchange runs on the communicator's async thread while the caller computes. */
    public CompletableFuture<Void> exchangeAsync(Communicator kvpGroup) {
        return kvpGroup.allToAllAsync(send.hostSegment(), recv.hostSegment());
    }

    /**
     * Merges the received states: returns {@code [batch][mergedHeads][vDim]} outputs for this rank's
     * merged heads (a view of an internal buffer, valid until the next merge).
     */
    public MemorySegment merge() {
        int rows = batch * slots;
        int shardStride = rows * record;
        AttentionKernels.merge(device, recv, recv, mergedO, mergedLse, mapping.kvp(), rows, vDim,
                0, shardStride, record, vDim, shardStride, record);
        device.queue().finish();
        return mergedO.hostSegment();
    }

    public MemorySegment mergedLse() { return mergedLse.hostSegment(); }

    /** Head slots per sequence in {@link #merge}'s result; the first {@link HelixMapping#mergedHeadCount} are real. */
    public int slots() { return slots; }

    public int rank() { return rank; }

    @Override
    public void close() {
        send.close();
        recv.close();
        mergedO.close();
        mergedLse.close();
    }
}
