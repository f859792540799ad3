package dev.kiln.collective.wire;

/** Why a received datagram was (not) used. Every rejection is counted, per reason. */
public enum Verdict {
    ACCEPTED,
    /** Shorter than a header, or shorter than its own length field says. */
    TRUNCATED,
    /** Bad magic or CRC32C mismatch. */
    CORRUPT,
    /** Another job's traffic (different job id). */
    FOREIGN,
    /** A phase this rank already finished (late, or replayed). */
    STALE,
    /** A packet this rank already has in the current phase (duplicate or replay). */
    DUPLICATE,
    /** Well formed but inconsistent with the phase geometry (wrong chunk, offset or length, unknown sender). */
    INVALID,
    /** Too far ahead of this rank to be kept (more phases ahead than the stash holds), or the stash is full. */
    AHEAD
}
