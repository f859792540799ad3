package dev.kiln.collective.lossy;

/**
 * How a flat vector of {@code n} floats is cut into {@code size} contiguous shards, one per owner rank,
 * lengths differing by at most one: shard r is {@code [start(r), start(r) + length(r))}. Shards may be
 * empty when {@code n < size}.
 */
public record ShardLayout(long n, int size) {
    public ShardLayout {
        if (n < 0 || n > (long) Integer.MAX_VALUE * size) throw new IllegalArgumentException("n must be in [0, 2^31 * size), was " + n);
        if (size < 1) throw new IllegalArgumentException("size must be >= 1, was " + size);
    }

    public long start(int rank) { return n * rank / size; }

    public int length(int rank) { return (int) (start(rank + 1) - start(rank)); }

    /** Packets of {@code floatsPerPacket} floats needed for shard {@code rank}. */
    public int packets(int rank, int floatsPerPacket) { return (length(rank) + floatsPerPacket - 1) / floatsPerPacket; }
}
