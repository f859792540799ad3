package dev.kiln.collective.lossy;

import java.util.List;

/** A phase that needed every contribution ({@link LossPolicy#RELIABLE}) did not get them by its deadline. */
public final class CollectiveTimeoutException extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final transient List<Integer> missingRanks;

    public CollectiveTimeoutException(String message, List<Integer> missingRanks) {
        super(message);
        this.missingRanks = List.copyOf(missingRanks);
    }

    /** The ranks whose data was (partly) missing at the deadline. */
    public List<Integer> missingRanks() { return missingRanks; }
}
