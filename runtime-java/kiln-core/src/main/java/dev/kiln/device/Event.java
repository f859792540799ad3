package dev.kiln.device;

/** A launched command. {@link #await()} blocks until it has run; {@link #elapsedNanos()} is device time (profiling). */
public interface Event {
    void await();

    /** Time the command ran on the device, from the backend's own profiling counters; waits for it first. */
    long elapsedNanos();

    /** An already-finished command that took {@code nanos}. */
    static Event completed(long nanos) {
        return new Event() {
            @Override public void await() {}
            @Override public long elapsedNanos() { return nanos; }
        };
    }
}
