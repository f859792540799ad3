/**
 * The Helix paper's performance model: every layout of a catalogued model on catalogued GPUs, its cost per
 * decode step, and the throughput/interactivity frontier.
 *
 * <pre>{@code
 * Simulation sim = Simulation.run(Catalog.model("deepseek-r1"), Catalog.hardware("gb200"), settings, 72, 1024);
 * }</pre>
 */
package dev.kiln.helixsim;
