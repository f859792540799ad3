package dev.kiln.attention.helix;

import dev.kiln.attention.AttentionKernels;
import dev.kiln.collective.Communicator;
import dev.kiln.device.Buffer;
import dev.kiln.device.Device;

import java.lang.foreign.Arena;

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
    private final Arena arena = Arena.ofShared();
    /** Host memory the communicator moves (peers read it from their threads, hence a shared arena). */
    private final MemorySegment send, recv, mergedHost, mergedLseHost;
    private final Buffer recvDevice, mergedO, mergedLse;

    public HelixAttentionExchange(Device device, HelixMapping mapping, int rank, int batch, int vDim) {
        this.device = device;
        this.mapping = mapping;
        this.rank = rank;
        this.batch = batch;
        this.vDim = vDim;
        this.slots = mapping.headsPerChunk();
        this.record = vDim + 1;
        long chunkFloats = (long) batch * slots * record;
        this.send = arena.allocate(chunkFloats * mapping.kvp() * Float.BYTES, 64);
        this.recv = arena.allocate(chunkFloats * mapping.kvp() * Float.BYTES, 64);
        this.mergedHost = arena.allocate((long) batch * slots * vDim * Float.BYTES, 64);
        this.mergedLseHost = arena.allocate((long) batch * slots * Float.BYTES, 64);
        this.recvDevice = device.allocate(recv.byteSize());
        this.mergedO = device.allocate(mergedHost.byteSize());
        this.mergedLse = device.allocate(mergedLseHost.byteSize());
    }

    /** Bytes this rank sends to each peer per exchange. */
    public long bytesPerPeer() { return (long) batch * slots * record * Float.BYTES; }

    /**
     * Packs partial states {@code o [batch][qHeadsPerRank][vDim]}, {@code lse [batch][qHeadsPerRank]} (host
     * segments) into the send buffer; padded head slots are empty states (0, −∞).
     */
    public void pack(Buffer o, Buffer lse) {
        if (o.isHostAccessible()) {
            pack(o.hostSegment(), lse.hostSegment());
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ho = a.allocate(o.byteSize()), hl = a.allocate(lse.byteSize());
            device.queue().read(o, 0, ho);
            device.queue().read(lse, 0, hl);
            pack(ho, hl);
        }
    }

    public void pack(MemorySegment o, MemorySegment lse) {
        MemorySegment s = send;
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
        kvpGroup.allToAll(send, recv);
    }

    /** HOP-B: the exchange runs on the communicator's async thread while the caller computes. */
    public CompletableFuture<Void> exchangeAsync(Communicator kvpGroup) {
        return kvpGroup.allToAllAsync(send, recv);
    }

    /**
     * Merges the received states: returns {@code [batch][mergedHeads][vDim]} outputs for this rank's
     * merged heads (a view of an internal buffer, valid until the next merge).
     */
    public MemorySegment merge() {
        int rows = batch * slots;
        int shardStride = rows * record;
        device.queue().write(recvDevice, 0, recv);
        AttentionKernels.merge(device, recvDevice, recvDevice, mergedO, mergedLse, mapping.kvp(), rows, vDim,
                0, shardStride, record, vDim, shardStride, record);
        device.queue().read(mergedO, 0, mergedHost);
        device.queue().read(mergedLse, 0, mergedLseHost);
        return mergedHost;
    }

    public MemorySegment mergedLse() { return mergedLseHost; }

    /** Head slots per sequence in {@link #merge}'s result; the first {@link HelixMapping#mergedHeadCount} are real. */
    public int slots() { return slots; }

    public int rank() { return rank; }

    @Override
    public void close() {
        recvDevice.close();
        mergedO.close();
        mergedLse.close();
        arena.close();
    }
}
