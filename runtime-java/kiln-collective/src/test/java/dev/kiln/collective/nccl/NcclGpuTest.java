package dev.kiln.collective.nccl;

import dev.kiln.device.Availability;
import dev.kiln.device.Devices;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NcclCommunicator} on real NCCL and GPUs: one rank per CUDA device (up to 4), each a child JVM that checks
 * every operation, host segments and device buffers, against the plain Java reference ({@link NcclRank} in
 * {@code gpu} mode: fp64 sums, byte copies). Skips, saying why, where libnccl or a CUDA device is missing, which is
 * every machine Kiln has been tested on so far (GPU run pending). On a one-GPU machine NCCL runs one rank (it
 * refuses two ranks on one device), so the check there is that the calls run on device memory and stream, not
 * the sum across GPUs; that needs two or more. Part of {@code scripts/device-check}.
 */
class NcclGpuTest {
    @Test
    void nccl_collectives_on_the_gpus_equal_the_cpu_reference() throws Exception {
        Availability nccl = NcclTransport.availability();
        Assumptions.assumeTrue(nccl.available(), () -> "GPU run pending, nccl unavailable here: " + nccl.reason());
        int ranks = Math.min(4, Devices.find("cuda").orElseThrow().devices().size());
        List<String> outputs = NcclRanks.run(ranks, "gpu", Map.of());
        assertTrue(outputs.getFirst().contains("ok rank 0: device allReduceSum on the communicator's stream"), outputs.getFirst());
        System.out.println("  nccl on " + ranks + " GPU" + (ranks == 1 ? "" : "s") + ": " + NcclTransport.describe());
    }
}
