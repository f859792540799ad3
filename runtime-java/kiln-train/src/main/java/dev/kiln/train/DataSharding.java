package dev.kiln.train;

/**
 * How the training split is divided among the data-parallel workers.
 *
 * <p>{@link #INTERLEAVED} deals fixed blocks of {@link #BLOCK} characters round-robin, so every worker's shard
 * spans the whole text, as a data loader's shuffled partition (PyTorch's {@code DistributedSampler}) does. Every
 * worker's gradient then has the same expectation, the assumption under which count-rescaled aggregation is
 * unbiased (arXiv 2507.07114). {@link #CONTIGUOUS} gives worker r the r-th contiguous part (Genesis to Kings, ...,
 * the Gospels): heterogeneous data, as in federated learning. There an owner, whose own contribution always
 * arrives, over-weights its own part of the text on the parameters it owns whenever others' packets are lost.
 */
public enum DataSharding {
    INTERLEAVED,
    CONTIGUOUS;

    /** Characters per interleaved block: 16 windows of the demo context, far shorter than a book of the Bible. */
    public static final int BLOCK = 1024;

    /** The option value: the constant's name in lower case. */
    public String cliName() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static DataSharding parse(String name) {
        for (DataSharding s : values()) if (s.name().equalsIgnoreCase(name)) return s;
        throw new IllegalArgumentException("data sharding = '" + name + "'; allowed: interleaved, contiguous");
    }

    @Override
    public String toString() { return cliName(); }
}
