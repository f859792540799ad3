package dev.kiln.helixsim;

/** Where Helix's attention output projection W_O is charged. */
public enum OutputProjection {
    /** Sharded TPA ways, as the paper's Appendix A formula charges it (2·H·(Q/TPA)·Hsz covers W_Q and W_O). */
    AT_TPA,
    /** Sharded N ways, as Helix runs it after the all-to-all (TensorRT-LLM re-purposes cp as tp here). */
    AT_N
}
