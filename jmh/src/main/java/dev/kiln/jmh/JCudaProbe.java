package dev.kiln.jmh;

import jcuda.driver.JCudaDriver;

/**
 * Whether JCuda 12.6's JNI natives load and talk to the driver at hand (on a CUDA 13 / driver 580 machine
 * this is the open question): prints one line, {@code jcuda: loaded, driver version N, M device(s)} or
 * {@code jcuda: failed: <error>}; exit status 0 either way, since the answer is the result.
 */
public final class JCudaProbe {
    private JCudaProbe() {}

    public static void main(String[] args) {
        try {
            JCudaDriver.setExceptionsEnabled(true);
            JCudaDriver.cuInit(0);
            int[] version = new int[1], count = new int[1];
            JCudaDriver.cuDriverGetVersion(version);
            JCudaDriver.cuDeviceGetCount(count);
            System.out.printf("jcuda: loaded, driver version %d, %d device(s)%n", version[0], count[0]);
        } catch (Throwable t) {
            System.out.println("jcuda: failed: " + t.getClass().getSimpleName() + ": " + String.valueOf(t.getMessage()).lines().findFirst().orElse(""));
        }
    }
}
