package dev.kiln.inference.model;

import dev.kiln.attention.DecodeShape;
import dev.kiln.attention.KvDtype;
import dev.kiln.attention.helix.HelixMapping;
import dev.kiln.attention.helix.HelixProcessGroups;
import dev.kiln.device.Device;

/** Builds a model's {@link KvAttention} once the model knows its layers, heads and context. */
@FunctionalInterface
public interface AttentionFactory {
    KvAttention create(int layers, DecodeShape shape, int capacity, float scale);

    /** One rank on {@code device}, fp32 KV. */
    static AttentionFactory singleRank(Device device) {
        return (layers, shape, capacity, scale) -> new PagedKvAttention(device, layers, shape, KvDtype.FP32, capacity, scale);
    }

    /** {@code kvp × tpa} emulated Helix ranks on {@code device}, fp32 KV. */
    static AttentionFactory helix(Device device, int kvp, int tpa) {
        if (kvp == 1 && tpa == 1) return singleRank(device);
        return (layers, shape, capacity, scale) -> new HelixKvAttention(device, layers, shape, KvDtype.FP32, capacity, scale,
                HelixMapping.of(kvp, tpa, shape.qHeads(), shape.kvHeads()));
    }

    /**
     * This process as one rank of the Helix job {@code groups} joined ({@code kvp × tpa} processes, see
     * {@link ProcessKvAttention}), attention kernels on {@code device}, fp32 KV. The groups stay the caller's.
     */
    static AttentionFactory processes(Device device, HelixProcessGroups groups) {
        return (layers, shape, capacity, scale) -> new ProcessKvAttention(device, layers, shape, KvDtype.FP32, capacity, scale,
                HelixMapping.of(groups.kvp(), groups.tpa(), shape.qHeads(), shape.kvHeads()), groups);
    }
}
