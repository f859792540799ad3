package dev.kiln.attention.helix;

/**
 * Who owns what in a Helix layer of {@code N = kvp × tpa} ranks, consulted by every part of the layer
 * (as TensorRT-LLM's {@code Mapping} is). Rank {@code r} is KVP rank {@code r / tpa} and TPA rank
 * {@code r % tpa}.
 * <ul>
 *   <li>Attention: TPA splits the KV heads ({@code tpa} must divide them, so nothing is duplicated), KVP
 *       splits the sequence: KV position {@code p} lives on KVP rank {@code (p / appendBlock) mod kvp}.</li>
 *   <li>After the all-to-all among the {@code kvp} ranks of one TPA slice, each holds the merged output of
 *       {@code qHeads / N} query heads: a TP = N layout for {@code W_O}.</li>
 *   <li>FFN: the same N ranks re-provisioned as a TPF × EP grid: rank {@code r} is EP rank {@code r / tpf}
 *       and TPF rank {@code r % tpf}. EP splits the experts, TPF splits each expert's intermediate dim.
 *       A dense FFN is TPF = N, EP = 1.</li>
 * </ul>
 */
public record HelixMapping(int kvp, int tpa, int tpf, int ep, int qHeads, int kvHeads, int appendBlock) {
    public static final int DEFAULT_APPEND_BLOCK = 16;

    public HelixMapping {
        if (kvp < 1) throw new IllegalArgumentException("kvp must be >= 1, was " + kvp);
        if (tpa < 1) throw new IllegalArgumentException("tpa must be >= 1, was " + tpa);
        if (kvHeads < 1 || qHeads < 1 || qHeads % kvHeads != 0) {
            throw new IllegalArgumentException("qHeads must be a positive multiple of kvHeads, was qHeads=" + qHeads + " kvHeads=" + kvHeads);
        }
        if (tpa > kvHeads || kvHeads % tpa != 0) {
            throw new IllegalArgumentException("tpa must divide the " + kvHeads + " KV heads (tpa <= K, no KV duplication), was " + tpa);
        }
        if (tpf < 1 || ep < 1 || (long) tpf * ep != (long) kvp * tpa) {
            throw new IllegalArgumentException("the FFN grid tpf × ep must re-use the N = kvp*tpa = " + kvp * tpa + " ranks, was " + tpf + " × " + ep);
        }
        if (appendBlock < 1) throw new IllegalArgumentException("appendBlock must be >= 1, was " + appendBlock);
    }

    public static HelixMapping of(int kvp, int tpa, int qHeads, int kvHeads) {
        return new HelixMapping(kvp, tpa, kvp * tpa, 1, qHeads, kvHeads, DEFAULT_APPEND_BLOCK);
    }

    /** The same attention layout with the FFN on a {@code tpf × ep} grid (MoE); {@code tpf * ep} must be N. */
    public HelixMapping withFfnGrid(int newTpf, int newEp) {
        return new HelixMapping(kvp, tpa, newTpf, newEp, qHeads, kvHeads, appendBlock);
    }

    public HelixMapping withAppendBlock(int block) {
        return new HelixMapping(kvp, tpa, tpf, ep, qHeads, kvHeads, block);
    }

    public int size() { return kvp * tpa; }

    public int kvpRank(int rank) { check(rank); return rank / tpa; }

    public int tpaRank(int rank) { check(rank); return rank % tpa; }

    /** The global rank of (kvpRank, tpaRank). */
    public int rank(int kvpRank, int tpaRank) { return kvpRank * tpa + tpaRank; }

    public int kvHeadsPerRank() { return kvHeads / tpa; }

    public int qHeadsPerRank() { return qHeads / tpa; }

    /** First query head of this rank's TPA slice. */
    public int firstQHead(int rank) { return tpaRank(rank) * qHeadsPerRank(); }

    public int firstKvHead(int rank) { return tpaRank(rank) * kvHeadsPerRank(); }

    /** Head slots per all-to-all chunk: the TPA slice's query heads cut into kvp chunks, the last padded. */
    public int headsPerChunk() { return Math.ceilDiv(qHeadsPerRank(), kvp); }

    /** Query heads this rank holds merged outputs of after the all-to-all: [first, first + count) globally. */
    public int mergedHeadCount(int rank) {
        int local = kvpRank(rank) * headsPerChunk();
        return Math.max(0, Math.min(headsPerChunk(), qHeadsPerRank() - local));
    }

    public int firstMergedHead(int rank) { return firstQHead(rank) + kvpRank(rank) * headsPerChunk(); }

    /** The KVP rank whose cache receives KV position {@code position}: staggered round-robin by blocks. */
    public int kvOwner(long position) {
        if (position < 0) throw new IllegalArgumentException("position must be >= 0, was " + position);
        return (int) ((position / appendBlock) % kvp);
    }

    /** How many of positions [0, length) KVP rank {@code kvpRank} holds. */
    public int tokensOn(int kvpRank, long length) {
        long fullRounds = length / ((long) appendBlock * kvp);
        long rest = length - fullRounds * appendBlock * kvp;
        long mine = fullRounds * appendBlock + Math.max(0, Math.min(appendBlock, rest - (long) kvpRank * appendBlock));
        return Math.toIntExact(mine);
    }

    public int tpfRank(int rank) { check(rank); return rank % tpf; }

    public int epRank(int rank) { check(rank); return rank / tpf; }

    /** Columns [first, first + count) of the (per-expert) FFN intermediate dim {@code ffn} on this rank's TPF slice. */
    public int ffnFirst(int rank, int ffn) { return (int) ((long) ffn * tpfRank(rank) / tpf); }

    public int ffnCount(int rank, int ffn) { return (int) ((long) ffn * (tpfRank(rank) + 1) / tpf) - ffnFirst(rank, ffn); }

    /** Experts [first, first + count) of {@code experts} held by this rank's EP group. */
    public int firstExpert(int rank, int experts) { return (int) ((long) experts * epRank(rank) / ep); }

    public int expertCount(int rank, int experts) { return (int) ((long) experts * (epRank(rank) + 1) / ep) - firstExpert(rank, experts); }

    private void check(int rank) {
        if (rank < 0 || rank >= size()) throw new IllegalArgumentException("rank must be in [0, " + size() + "), was " + rank);
    }

    @Override
    public String toString() {
        return "KVP=" + kvp + " TPA=" + tpa + " TPF=" + tpf + " EP=" + ep + " (N=" + size() + ", append block " + appendBlock + ")";
    }
}
