package dev.kiln.device.fpga;

/**
 * How the accelerator's post-processing unit rounds in TFLite's {@code MultiplyByQuantizedMultiplier}
 * (the {@code rounding} word of LOAD_CONFIG).
 */
public enum PpuRounding {
    /** {@code (x·M + 2^(30−shift)) >> (31−shift)}: the paper's PPU ({@code TFLITE_SINGLE_ROUNDING}); shift in [−31, 30]. */
    SINGLE,
    /** gemmlowp's two roundings, TFLite's default build; shift in [−31, 31]. */
    DOUBLE;

    /** Largest per-channel shift this mode accepts. */
    public int maxShift() { return this == SINGLE ? 30 : 31; }
}
