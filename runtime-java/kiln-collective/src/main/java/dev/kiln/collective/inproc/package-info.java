/**
 * Ranks as threads of one JVM, for tests and emulated layouts (the Helix decoder's ranks).
 *
 * <pre>{@code
 * try (InProcessGroup group = new InProcessGroup(4)) {
 *     Communicator rank2 = group.rank(2);        // each rank's calls run on its own thread
 * }
 * }</pre>
 */
package dev.kiln.collective.inproc;
