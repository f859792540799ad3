package dev.kiln.device.fpga;

import dev.kiln.device.KilnNativeException;
import dev.kiln.bind.fpga.Mm2imSim;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The accelerator's C simulation ({@code libkiln_mm2im_sim.so}). The simulated accelerator keeps its
 * on-chip state in static memories, so there is one per process: {@link #shared()} opens it once and every
 * fpga-sim device drives it, one invocation at a time.
 */
public final class SimPort implements Mm2imPort {
    private static SimPort shared;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment outWords = arena.allocate(JAVA_LONG);
    private final MemorySegment status = arena.allocate(JAVA_INT);
    private final MemorySegment cycles = arena.allocate(JAVA_LONG);
    private final Mm2imLimits limits;

    private SimPort() {
        Mm2imSim.check("mm2im_sim_open", Mm2imSim.open());
        MemorySegment values = arena.allocate(JAVA_INT, Mm2imLimits.COUNT);
        int n = Mm2imSim.limits(values, Mm2imLimits.COUNT);
        if (n != Mm2imLimits.COUNT) {
            throw new IllegalStateException(Mm2imSim.LIBRARY + " reports " + n + " limits, this runtime expects " + Mm2imLimits.COUNT
                    + "; the native library and the jar are from different builds");
        }
        limits = Mm2imLimits.of(values.toArray(JAVA_INT));
    }

    /** The process's simulated accelerator, opened on first use; throws if the library cannot load. */
    public static synchronized SimPort shared() {
        if (shared == null) {
            String cause = Mm2imSim.unavailabilityCause();
            if (cause != null) throw new IllegalStateException("fpga-sim is not available: " + cause);
            shared = new SimPort();
        }
        return shared;
    }

    @Override public Mm2imLimits limits() { return limits; }

    @Override public String description() { return "MM2IM C simulation (" + Mm2imSim.LIBRARY + ".so)"; }

    @Override
    public synchronized Invocation exec(int opcode, MemorySegment in, long inWords, MemorySegment out) {
        if (inWords < 0 || inWords * 4 > in.byteSize()) {
            throw new IllegalArgumentException("inWords=" + inWords + " does not fit the " + in.byteSize() + "-byte input segment");
        }
        long t0 = System.nanoTime();
        int rc = Mm2imSim.exec(opcode, in, inWords, out, out.byteSize() / 4, outWords, status, cycles);
        long nanos = System.nanoTime() - t0;
        if (rc != Mm2imSim.OK) {
            throw new dev.kiln.device.KilnNativeException(Mm2imSim.LIBRARY, "mm2im_sim_exec", rc, Mm2imSim.errorName(rc),
                    "opcode " + Mm2imProtocol.opcodeName(opcode) + " with " + inWords + " input words, status "
                            + Mm2imProtocol.statusName(status.get(JAVA_INT, 0)) + ", " + outWords.get(JAVA_LONG, 0) + " output words");
        }
        return new Invocation(status.get(JAVA_INT, 0), outWords.get(JAVA_LONG, 0), cycles.get(JAVA_LONG, 0), nanos);
    }

    /** The shared simulation stays open for the life of the process; devices only stop using it. */
    @Override
    public void close() {}
}
