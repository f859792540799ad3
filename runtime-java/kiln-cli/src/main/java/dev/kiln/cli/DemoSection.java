package dev.kiln.cli;

import java.util.List;

/**
 * One part of {@code kiln demo}: runs its verification on the backends given and returns one row per
 * check. Each workload contributes a section; {@link DemoCommand#SECTIONS} lists them in order.
 */
public interface DemoSection {
    String title();

    List<DemoResult> run(List<String> backends) throws Exception;

    /**
     * @param check   what was verified, e.g. "saxpy n=1048576"
     * @param backend where it ran
     * @param passed  whether the result matched its independent reference
     * @param detail  the measured error or mismatch count, and a time
     */
    record DemoResult(String check, String backend, boolean passed, String detail) {}
}
