package dev.kiln.collective.lossy;

import dev.kiln.collective.Communicator;
import dev.kiln.collective.rendezvous.ControlChannel;

import java.lang.foreign.MemorySegment;

/**
 * The {@link Communicator} view of a {@link LossyAllReduce}, for code written against the generic interface.
 * How it deviates from an exact communicator: every collective finishes by its phase deadline with what
 * arrived. {@code allReduceSum} and {@code reduceScatterSum} return the policy's estimate of the sum
 * (exact without loss); {@code allGather}, {@code allToAll} and {@code broadcast} move 4-byte words and
 * leave lost ranges of the destination as they were. {@code barrier} uses the reliable control channel
 * when one is given (in-process groups have none and must not call it).
 */
public final class LossyCommunicator implements Communicator {
    private static final int TENSOR = 0x4B00_0000;
    private final LossyAllReduce lossy;
    private final ControlChannel control;
    private int step;

    public LossyCommunicator(LossyAllReduce lossy, ControlChannel control) {
        this.lossy = lossy;
        this.control = control;
    }

    public LossyAllReduce lossy() { return lossy; }

    @Override public int rank() { return lossy.rank(); }
    @Override public int size() { return lossy.size(); }

    @Override
    public void allReduceSum(MemorySegment data) { lossy.allReduceSum(step++, TENSOR, data); }

    @Override
    public void reduceScatterSum(MemorySegment send, MemorySegment recv) {
        Communicator.checkChunks("reduceScatterSum", send, recv, size());
        ShardGradient g = lossy.reduceScatter(step++, TENSOR + 1, send, true);
        MemorySegment.copy(g.mean(), 0, recv, java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, g.length());
    }

    @Override
    public void allGather(MemorySegment send, MemorySegment recv) {
        Communicator.checkChunks("allGather", recv, send, size());
        MemorySegment.copy(send, 0, recv, rank() * send.byteSize(), send.byteSize());
        lossy.gather(step++, TENSOR + 2, LossyAllReduce.PHASE_ALL_GATHER, "all-gather-words", recv,
                new ShardLayout(recv.byteSize() / Float.BYTES, size()));
    }

    @Override
    public void allToAll(MemorySegment send, MemorySegment recv) {
        Communicator.checkChunks("allToAll", send, recv.asSlice(0, send.byteSize() / size()), size());
        lossy.allToAll(step++, TENSOR + 3, send, recv);
    }

    @Override
    public void broadcast(MemorySegment data, int root) {
        if (root < 0 || root >= size()) throw new IllegalArgumentException("root must be in [0, " + size() + "), was " + root);
        lossy.broadcast(step++, TENSOR + 4, data, root);
    }

    @Override
    public void barrier() {
        if (control == null) throw new IllegalStateException("barrier needs a control channel; this lossy group has none");
        control.barrier();
    }

    @Override
    public void close() {
        lossy.close();
        if (control != null) control.close();
    }
}
