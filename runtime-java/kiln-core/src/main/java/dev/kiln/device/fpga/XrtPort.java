package dev.kiln.device.fpga;

import dev.kiln.device.KilnNativeException;
import dev.kiln.bind.xrt.Xrt;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The MM2IM accelerator on a board, through XRT. The bitstream's kernel is {@value #KERNEL}
 * ({@code hls/mm2im/mm2im_xrt.cpp}): the AXI-Stream accelerator behind memory-mapped ports, so that one
 * {@code xrtKernelRun(opcode, in, in_words, out, out_capacity, result)} is one invocation; the buffer objects
 * play the DMA's part. Result words: status, output words produced, input words read, reads past the input.
 */
public final class XrtPort implements Mm2imPort {
    public static final String KERNEL = "mm2im_xrt";
    private static final int ARG_IN = 1, ARG_OUT = 3, ARG_RESULT = 5;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment callState = Xrt.callState(arena);
    private final String description;
    private MemorySegment device, kernel, resultBo, inBo = MemorySegment.NULL, outBo = MemorySegment.NULL;
    private long inCapacity, outCapacity;
    private final MemorySegment result = arena.allocate(16, 8);

    private XrtPort(int index, Path xclbin) {
        description = "XRT device " + index + " (" + xclbin.getFileName() + ")";
        try {
            device = Xrt.checkHandle("xrtDeviceOpen", Xrt.xrtDeviceOpen(callState, index), callState, "device index " + index);
            int rc = Xrt.xrtDeviceLoadXclbinFile(callState, device, arena.allocateFrom(xclbin.toString()));
            if (rc != 0) {
                int errno = Xrt.errno(callState);
                throw new dev.kiln.device.KilnNativeException(Xrt.LIBRARY, "xrtDeviceLoadXclbinFile", errno != 0 ? errno : Math.abs(rc),
                        Xrt.errnoName(errno != 0 ? errno : Math.abs(rc)), "xclbin " + xclbin + " was rejected by the device (wrong platform or shell?)");
            }
            MemorySegment uuid = arena.allocate(16);
            Xrt.check("xrtDeviceGetXclbinUUID", Xrt.xrtDeviceGetXclbinUUID(callState, device, uuid), callState);
            kernel = Xrt.checkHandle("xrtPLKernelOpen", Xrt.xrtPLKernelOpen(callState, device, uuid, arena.allocateFrom(KERNEL)),
                    callState, "xclbin " + xclbin + " has no kernel '" + KERNEL + "'");
            resultBo = allocate(16, ARG_RESULT);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Opens device {@code index} with {@code xclbin}: the file is checked first (exists, is an xclbin), then XRT
     * must load. Every failure is one clear exception naming what is missing.
     */
    public static XrtPort open(int index, Path xclbin) {
        Xclbin.check(xclbin);
        String cause = Xrt.unavailabilityCause();
        if (cause != null) throw new IllegalStateException("fpga-xrt is not available: " + cause);
        return new XrtPort(index, xclbin);
    }

    @Override public Mm2imLimits limits() { return Mm2imLimits.BUILT; }

    @Override public String description() { return description; }

    private MemorySegment allocate(long bytes, int arg) {
        int group = Xrt.xrtKernelArgGroupId(callState, kernel, arg);
        if (group < 0) Xrt.check("xrtKernelArgGroupId", group, callState);
        return Xrt.checkHandle("xrtBOAlloc", Xrt.xrtBOAlloc(callState, device, bytes, Xrt.XRT_BO_FLAGS_NONE, group), callState,
                bytes + " bytes for argument " + arg);
    }

    @Override
    public synchronized Invocation exec(int opcode, MemorySegment in, long inWords, MemorySegment out) {
        long inBytes = Math.max(4, inWords * 4), outBytes = Math.max(4, out.byteSize());
        if (inBytes > inCapacity) {
            if (!inBo.equals(MemorySegment.NULL)) Xrt.xrtBOFree(inBo);
            inBo = allocate(inBytes, ARG_IN);
            inCapacity = inBytes;
        }
        if (outBytes > outCapacity) {
            if (!outBo.equals(MemorySegment.NULL)) Xrt.xrtBOFree(outBo);
            outBo = allocate(outBytes, ARG_OUT);
            outCapacity = outBytes;
        }
        long t0 = System.nanoTime();
        if (inWords > 0) {
            Xrt.check("xrtBOWrite", Xrt.xrtBOWrite(callState, inBo, in, inWords * 4, 0), callState);
            Xrt.check("xrtBOSync", Xrt.xrtBOSync(callState, inBo, Xrt.XCL_BO_SYNC_BO_TO_DEVICE, inWords * 4, 0), callState);
        }
        MemorySegment run = Xrt.checkHandle("xrtKernelRun", Xrt.xrtKernelRunMm2im(callState, kernel, opcode, inBo, (int) inWords,
                outBo, (int) (out.byteSize() / 4), resultBo), callState, "opcode " + Mm2imProtocol.opcodeName(opcode));
        try {
            int state = Xrt.xrtRunWait(run);
            if (state != Xrt.ERT_CMD_STATE_COMPLETED) {
                throw new dev.kiln.device.KilnNativeException(Xrt.LIBRARY, "xrtRunWait", state, "ERT_CMD_STATE_" + state,
                        "the mm2im_xrt run did not complete (opcode " + Mm2imProtocol.opcodeName(opcode) + ")");
            }
        } finally {
            Xrt.xrtRunClose(run);
        }
        Xrt.check("xrtBOSync", Xrt.xrtBOSync(callState, resultBo, Xrt.XCL_BO_SYNC_BO_FROM_DEVICE, 16, 0), callState);
        Xrt.check("xrtBORead", Xrt.xrtBORead(callState, resultBo, result, 16, 0), callState);
        int status = result.getAtIndex(JAVA_INT, 0);
        long words = Integer.toUnsignedLong(result.getAtIndex(JAVA_INT, 1));
        long read = Integer.toUnsignedLong(result.getAtIndex(JAVA_INT, 2)), overrun = Integer.toUnsignedLong(result.getAtIndex(JAVA_INT, 3));
        if (read != inWords || overrun != 0 || words * 4 > out.byteSize()) {
            throw new IllegalStateException("mm2im_xrt run (" + Mm2imProtocol.opcodeName(opcode) + ") broke the protocol: read " + read + " of "
                    + inWords + " input words, " + overrun + " reads past them, wrote " + words + " words into room for " + out.byteSize() / 4
                    + " (status " + Mm2imProtocol.statusName(status) + ")");
        }
        if (words > 0) {
            Xrt.check("xrtBOSync", Xrt.xrtBOSync(callState, outBo, Xrt.XCL_BO_SYNC_BO_FROM_DEVICE, words * 4, 0), callState);
            Xrt.check("xrtBORead", Xrt.xrtBORead(callState, outBo, out, words * 4, 0), callState);
        }
        return new Invocation(status, words, -1, System.nanoTime() - t0);
    }

    @Override
    public synchronized void close() {
        if (inBo != null && !inBo.equals(MemorySegment.NULL)) Xrt.xrtBOFree(inBo);
        if (outBo != null && !outBo.equals(MemorySegment.NULL)) Xrt.xrtBOFree(outBo);
        if (resultBo != null) Xrt.xrtBOFree(resultBo);
        if (kernel != null) Xrt.xrtKernelClose(kernel);
        if (device != null) Xrt.xrtDeviceClose(device);
        inBo = outBo = MemorySegment.NULL;
        resultBo = kernel = device = null;
        if (arena.scope().isAlive()) arena.close();
    }
}
