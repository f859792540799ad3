package dev.kiln.device.fpga;

import java.lang.foreign.MemorySegment;

/**
 * Where the driver's words go: the accelerator's AXI-Lite opcode register plus its input and output
 * AXI-Stream (through the DMA). One {@link #exec} is one accelerator invocation. Implemented by the C
 * simulation ({@link SimPort}) and by XRT on a real board ({@link XrtPort}).
 */
public interface Mm2imPort extends AutoCloseable {
    /** The sizes the accelerator behind this port was built with. */
    Mm2imLimits limits();

    /** What this port drives, for messages: {@code C simulation}, {@code XRT device 0 (mm2im.xclbin)}. */
    String description();

    /**
     * Runs one invocation with {@code inWords} 32-bit words of {@code in} on the input stream; the words the
     * accelerator writes land in {@code out} (capacity {@code out.byteSize() / 4}).
     */
    Invocation exec(int opcode, MemorySegment in, long inWords, MemorySegment out);

    /**
     * @param status   the accelerator's status word (0 is success; see {@link Mm2imProtocol#statusName})
     * @param outWords words written to the output stream
     * @param cycles   accelerator cycles of the invocation: counted by the C simulation, or -1 when unknown
     * @param nanos    host wall time of the invocation
     */
    record Invocation(int status, long outWords, long cycles, long nanos) {}

    @Override
    void close();
}
