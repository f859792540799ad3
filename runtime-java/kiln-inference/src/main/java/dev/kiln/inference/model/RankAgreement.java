package dev.kiln.inference.model;

import dev.kiln.collective.Communicator;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Checks, token by token, that every rank of a job of processes picked the same next token. Each rank runs the whole
 * {@link Generator} (same tokenizer, same sampler seed) on logits that should be bit-identical on every rank (see
 * {@link ProcessKvAttention}); rather than trust that and let a diverging rank decode garbage silently, or hide it
 * by broadcasting rank 0's choice, each rank gathers every rank's token (4 bytes per rank, next to the layers'
 * all-reduces of a whole residual stream each) and all of them stop with the same error if any differs.
 */
public final class RankAgreement implements AutoCloseable {
    private final Communicator world;
    private final Arena arena = Arena.ofShared();   // the TCP ring's sender thread reads the send buffer
    private final MemorySegment send, recv;
    private int index;

    public RankAgreement(Communicator world) {
        this.world = world;
        this.send = arena.allocate(Integer.BYTES);
        this.recv = arena.allocate((long) world.size() * Integer.BYTES);
    }

    /** Collective: every rank calls it with the token it picked; throws on every rank if any rank picked another. */
    public void check(int token) {
        if (world.size() > 1) {
            send.set(ValueLayout.JAVA_INT, 0, token);
            world.allGather(send, recv);
            for (int r = 0; r < world.size(); r++) {
                int other = recv.getAtIndex(ValueLayout.JAVA_INT, r);
                if (other != recv.getAtIndex(ValueLayout.JAVA_INT, 0)) {
                    throw new IllegalStateException("generated token " + index + ": rank " + r + " picked token " + other + ", rank 0 picked "
                            + recv.getAtIndex(ValueLayout.JAVA_INT, 0) + " (the ranks' logits diverged)");
                }
            }
        }
        index++;
    }

    /** Tokens checked so far. */
    public int checked() { return index; }

    @Override
    public void close() { arena.close(); }
}
