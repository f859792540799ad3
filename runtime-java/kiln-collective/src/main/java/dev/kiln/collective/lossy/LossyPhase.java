package dev.kiln.collective.lossy;

import java.util.Arrays;

/**
 * The phases of the lossy collectives, with the code each datagram carries in its header (byte
 * {@link dev.kiln.collective.wire.Packet#PHASE_OFFSET}). Naming a phase lets an experiment lose packets in one
 * phase only (in-process: {@link dev.kiln.collective.wire.PhaseLossFabric}; real: an nft rule on that byte), to
 * attribute a training cost to the gradient reduce-scatter or to the parameter broadcast.
 */
public enum LossyPhase {
    REDUCE_SCATTER("reduce-scatter", 1),
    ALL_GATHER("all-gather", 2),
    BROADCAST("broadcast", 3),
    ALL_TO_ALL("all-to-all", 4);

    private final String cliName;
    private final byte wireCode;

    LossyPhase(String cliName, int wireCode) {
        this.cliName = cliName;
        this.wireCode = (byte) wireCode;
    }

    public String cliName() { return cliName; }

    /** The phase byte in the datagram header. */
    public byte wireCode() { return wireCode; }

    public static LossyPhase parse(String name) {
        for (LossyPhase p : values()) if (p.cliName.equals(name) || p.name().equalsIgnoreCase(name)) return p;
        throw new IllegalArgumentException("phase must be one of " + Arrays.stream(values()).map(LossyPhase::cliName).toList()
                + ", was '" + name + "'");
    }

    @Override
    public String toString() { return cliName; }
}
