package dev.kiln.device;

/**
 * A compiled kernel function. Arguments are passed at launch, in order: a {@link Buffer},
 * {@code Integer}, {@code Long}, {@code Float}, {@code Double}, or {@link LocalMemory} for
 * work-group scratch memory.
 */
public interface Kernel {
    String program();

    String name();

    /** Work-group scratch memory of {@code bytes} bytes (OpenCL {@code __local}, CUDA dynamic shared memory). */
    record LocalMemory(long bytes) {
        public LocalMemory {
            if (bytes <= 0) throw new IllegalArgumentException("local memory bytes must be > 0, was " + bytes);
        }
    }
}
