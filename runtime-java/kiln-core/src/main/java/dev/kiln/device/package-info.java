/**
 * Devices and what runs on them: {@link dev.kiln.device.Devices} finds the backends (cpu, opencl, cuda, fpga-sim,
 * fpga-xrt) and says why one is unavailable; a {@link dev.kiln.device.Device} allocates
 * {@link dev.kiln.device.Buffer}s, builds {@link dev.kiln.device.Kernel}s and runs them on its
 * {@link dev.kiln.device.Queue}. Every resource is {@link java.lang.AutoCloseable}; a native failure is a
 * {@link dev.kiln.device.KilnNativeException} naming the library, the function and its error name.
 *
 * <pre>{@code
 * try (Device device = Devices.open("auto");
 *      Arena arena = Arena.ofConfined()) {
 *     Buffer x = device.upload(arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1f, 2f, 3f));
 *     MemorySegment back = arena.allocate(x.byteSize());
 *     device.queue().read(x, 0, back);
 *     device.queue().finish();
 *     x.close();
 * }
 * }</pre>
 */
package dev.kiln.device;
