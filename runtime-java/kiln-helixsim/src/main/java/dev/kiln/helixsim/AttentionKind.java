package dev.kiln.helixsim;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** How a model's KV cache is shaped: grouped-query heads (Llama) or one shared latent (DeepSeek MLA). */
public enum AttentionKind {
    /** Grouped-query attention: K key/value heads of {@code headSize}, Q query heads sharing them. */
    GQA,
    /** Multi-head latent attention: one compressed latent (plus a decoupled RoPE key) shared by all heads. */
    MLA;

    @JsonValue
    public String jsonName() { return name().toLowerCase(Locale.ROOT); }

    @JsonCreator
    public static AttentionKind parse(String s) {
        for (AttentionKind k : values()) if (k.jsonName().equalsIgnoreCase(s)) return k;
        throw new IllegalArgumentException("attention kind = '" + s + "': allowed are gqa, mla");
    }
}
