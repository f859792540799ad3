package dev.kiln.jmh;

/** The kernel every launch-overhead benchmark runs: one work item, one store, so the launch is all there is. */
final class TinyKernels {
    static final String OPENCL = """
            __kernel void tiny(__global int* y, int v) { y[get_global_id(0)] = v; }
            """;

    private TinyKernels() {}
}
