package dev.kiln.helixsim;

/** How many elements per (token, head) a KVP rank sends in Helix's all-to-all (plus 8 bytes of softmax stats). */
public enum CombineVolume {
    /**
     * The paper's §2.1.2 accounting: B·H/(KVP·TPA) elements to each peer, i.e. H/Q per head. For GQA this is
     * the head output (H = Q·Hsz); for MLA it is 56 elements per head for DeepSeek-R1.
     */
    HIDDEN,
    /** What TensorRT-LLM's MLA Helix actually sends: the kvLoraRank-wide latent per head, before W_UV (same as HIDDEN for GQA). */
    LATENT
}
