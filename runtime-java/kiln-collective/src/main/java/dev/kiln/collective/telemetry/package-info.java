/**
 * What a collective did: per-peer packets, NACKs and retransmissions, phase latencies.
 *
 * <pre>{@code
 * CollectiveProfile profile = group.profile();       // group: a LossyAllReduce
 * double delivered = profile.deliveredFraction();
 * }</pre>
 */
package dev.kiln.collective.telemetry;
