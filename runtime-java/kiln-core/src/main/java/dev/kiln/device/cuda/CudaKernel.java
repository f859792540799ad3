package dev.kiln.device.cuda;

import dev.kiln.bind.cuda.Cuda;
import dev.kiln.bind.cuda.CudaStatus;
import dev.kiln.device.Buffer;
import dev.kiln.device.Kernel;
import dev.kiln.device.Range;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code CUfunction}. {@code cuLaunchKernel} takes an array of pointers to the argument values and
 * copies the values at launch, so each kernel keeps one native parameter block and reuses it
 * (launches of one kernel are serialized).
 *
 * <p>{@link LocalMemory} becomes dynamic shared memory: its slot gets a null pointer and its bytes go
 * to {@code sharedMemBytes} ({@code LOCAL_BIND} in {@code kiln_portable.h} points at that block). A
 * CUDA kernel may take at most one {@code LocalMemory}, since every dynamic shared array starts at the
 * same address.
 */
final class CudaKernel implements Kernel {
    private static final int SLOT = 8;

    private final CudaDevice device;
    private final String program;
    private final String name;
    private final MemorySegment function;
    /** Parameter sizes from cuFuncGetParamInfo (CUDA 12.4+), or null when the driver cannot tell. */
    private final long[] paramSizes;
    private final Arena arena = Arena.ofShared();
    private MemorySegment values = MemorySegment.NULL, pointers = MemorySegment.NULL;
    private int capacity;
    private int dynamicSharedLimitSet = 48 * 1024;

    CudaKernel(CudaDevice device, String program, String name, MemorySegment module) {
        this.device = device;
        this.program = program;
        this.name = name;
        device.makeCurrent();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            CudaStatus.check(Cuda.cuModuleGetFunction(out, module, a.allocateFrom(name)), "cuModuleGetFunction",
                    "kernel '" + name + "' in program " + program);
            this.function = out.get(ValueLayout.ADDRESS, 0);
        }
        this.paramSizes = Cuda.hasFuncGetParamInfo() ? paramSizes(function) : null;
    }

    private static long[] paramSizes(MemorySegment function) {
        List<Long> sizes = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment offset = a.allocate(ValueLayout.JAVA_LONG), size = a.allocate(ValueLayout.JAVA_LONG);
            while (Cuda.cuFuncGetParamInfo(function, sizes.size(), offset, size) == Cuda.CUDA_SUCCESS) {
                sizes.add(size.get(ValueLayout.JAVA_LONG, 0));
            }
        }
        return sizes.stream().mapToLong(Long::longValue).toArray();
    }

    @Override public String program() { return program; }

    @Override public String name() { return name; }

    CudaDevice device() { return device; }

    /** Packs the arguments and launches on {@code stream}; the caller has made the context current. */
    synchronized void launch(MemorySegment stream, Range range, Object[] args) {
        if (paramSizes != null && paramSizes.length != args.length) {
            throw new IllegalArgumentException("kernel " + program + "/" + name + " takes " + paramSizes.length + " arguments, got " + args.length);
        }
        ensureCapacity(args.length);
        long shared = 0;
        for (int i = 0; i < args.length; i++) {
            long offset = (long) i * SLOT;
            int size = switch (args[i]) {
                case Buffer b -> { values.set(ValueLayout.JAVA_LONG, offset, ((CudaBuffer) b).devicePointer()); yield 8; }
                case Integer v -> { values.set(ValueLayout.JAVA_INT, offset, v); yield 4; }
                case Long v -> { values.set(ValueLayout.JAVA_LONG, offset, v); yield 8; }
                case Float v -> { values.set(ValueLayout.JAVA_FLOAT, offset, v); yield 4; }
                case Double v -> { values.set(ValueLayout.JAVA_DOUBLE, offset, v); yield 8; }
                case LocalMemory m -> {
                    if (shared != 0) {
                        throw new IllegalArgumentException("kernel " + program + "/" + name + ": argument " + i
                                + " is a second LocalMemory; CUDA has one dynamic shared block per launch");
                    }
                    shared = m.bytes();
                    values.set(ValueLayout.JAVA_LONG, offset, 0L);
                    yield 8;
                }
                default -> throw new IllegalArgumentException("argument " + i + " of kernel " + program + "/" + name
                        + " has unsupported type " + args[i].getClass().getName());
            };
            if (paramSizes != null && paramSizes[i] != size) {
                throw new IllegalArgumentException("argument " + i + " of kernel " + program + "/" + name + " is a "
                        + args[i].getClass().getSimpleName() + " (" + size + " bytes) but the kernel parameter has " + paramSizes[i] + " bytes");
            }
        }
        if (shared > device.maxDynamicSharedBytes()) {
            throw new IllegalArgumentException("LocalMemory of " + shared + " bytes exceeds the device's " + device.maxDynamicSharedBytes()
                    + " bytes of shared memory per block");
        }
        if (shared > dynamicSharedLimitSet) {
            CudaStatus.check(Cuda.cuFuncSetAttribute(function, Cuda.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, (int) shared),
                    "cuFuncSetAttribute", "opt in to " + shared + " bytes of dynamic shared memory");
            dynamicSharedLimitSet = (int) shared;
        }
        int[] grid = new int[]{1, 1, 1}, block = new int[]{1, 1, 1};
        for (int d = 0; d < range.dimensions(); d++) {
            grid[d] = Math.toIntExact(range.groups(d));
            block[d] = Math.toIntExact(range.local()[d]);
        }
        if (grid[1] > 65535 || grid[2] > 65535) {
            throw new IllegalArgumentException(range + " needs a grid of " + grid[0] + "x" + grid[1] + "x" + grid[2] + " blocks; y and z are limited to 65535");
        }
        int rc = Cuda.cuLaunchKernel(function, grid[0], grid[1], grid[2], block[0], block[1], block[2], (int) shared, stream,
                args.length == 0 ? MemorySegment.NULL : pointers, MemorySegment.NULL);
        CudaStatus.check(rc, "cuLaunchKernel", "kernel " + program + "/" + name + " over " + range);
    }

    private void ensureCapacity(int n) {
        if (n <= capacity) return;
        capacity = Math.max(n, 16);
        values = arena.allocate((long) capacity * SLOT, 16);
        pointers = arena.allocate(ValueLayout.ADDRESS, capacity);
        for (int i = 0; i < capacity; i++) pointers.setAtIndex(ValueLayout.ADDRESS, i, values.asSlice((long) i * SLOT));
    }

    void release() {
        arena.close();
    }
}
