package dev.kiln.helixsim;

/** The families of layouts the sweep explores. Every family except {@link #HELIX} is a baseline. */
public enum Strategy {
    /** KVP × TPA attention (TPA ≤ K, no KV duplication), then the same N GPUs as TPF × EP for the FFN. */
    HELIX("Helix"),
    /** Tensor parallel everywhere (attention TP = N; KV duplicated once N &gt; K), optionally pipelined. */
    TP("TP"),
    /** Data-parallel attention (DP groups of TPA) with the FFN as TPF × EP over all N GPUs, optionally pipelined. */
    DP_ATTENTION("DP-attn+EP"),
    /** Medha-style KV parallelism: KVP × TPA attention, outputs gathered to one TP group of TPA GPUs for the FFN. */
    MEDHA_KVP("KVP(Medha)");

    private final String label;

    Strategy(String label) { this.label = label; }

    public String label() { return label; }

    public boolean isBaseline() { return this != HELIX; }
}
