package dev.kiln.attention.helix;

import dev.kiln.collective.Communicator;
import dev.kiln.collective.Communicators;
import dev.kiln.collective.rendezvous.LaunchEnvironment;

import java.time.Duration;
import java.util.Locale;

/**
 * The two process groups one Helix rank in its own process belongs to, opened from its launch environment: the
 * world (all {@code kvp × tpa} ranks: the W_O and FFN all-reduces), at {@code MASTER_PORT}, and its KVP group (the
 * {@code kvp} ranks of its TPA slice: the (O, LSE) all-to-all), at {@code MASTER_PORT + 1 + tpaRank} with the group's
 * KVP rank 0 as master, reached at {@code MASTER_ADDR}. So as written all ranks share one host, or the first
 * {@code tpa} ranks (KVP rank 0 of every group) share the master's. Ranks are laid out as {@link HelixMapping} lays
 * them out: {@code rank = kvpRank · tpa + tpaRank}.
 *
 * <p>Only TCP rings and NCCL are exact and can form the KVP subgroups; UDP is lossy and MPI has no subgroup here.
 */
public final class HelixProcessGroups implements AutoCloseable {
    private final LaunchEnvironment env;
    private final int kvp, tpa;
    private final Communicator world, kvpGroup;

    private HelixProcessGroups(LaunchEnvironment env, int kvp, int tpa, Communicator world, Communicator kvpGroup) {
        this.env = env;
        this.kvp = kvp;
        this.tpa = tpa;
        this.world = world;
        this.kvpGroup = kvpGroup;
    }

    /**
     * Checks that the job has {@code kvp × tpa} ranks (one line naming both otherwise), then meets the other ranks
     * in both groups, waiting up to {@code timeout} for each rendezvous.
     */
    public static HelixProcessGroups open(Communicators.Transport transport, LaunchEnvironment env, int kvp, int tpa, Duration timeout) {
        checkTransport(transport);
        checkWorldSize(env, kvp, tpa);
        LaunchEnvironment kvpEnv = new LaunchEnvironment(env.launcher(), env.rank() / tpa, kvp, env.masterAddr(),
                env.masterPort() + 1 + env.rank() % tpa);
        Communicator world = Communicators.open(transport, env, timeout);
        try {
            return new HelixProcessGroups(env, kvp, tpa, world, Communicators.open(transport, kvpEnv, timeout));
        } catch (RuntimeException e) {
            world.close();
            throw e;
        }
    }

    /** tcp or nccl; the error names the transport given. */
    public static void checkTransport(Communicators.Transport transport) {
        if (transport != Communicators.Transport.TCP && transport != Communicators.Transport.NCCL) {
            // udp is lossy (not exact) and mpi has no subgroup for the KVP groups here
            throw new IllegalArgumentException("helix rank transport must be tcp or nccl, was '" + transport.name().toLowerCase(Locale.ROOT) + "'");
        }
    }

    /** {@code WORLD_SIZE} (or the launcher's size variable) must be {@code kvp × tpa}: one line naming both when it is not. */
    public static void checkWorldSize(LaunchEnvironment env, int kvp, int tpa) {
        if (kvp < 1 || tpa < 1) throw new IllegalArgumentException("kvp and tpa must be >= 1, were " + kvp + " and " + tpa);
        if (env.worldSize() != kvp * tpa) {
            throw new IllegalArgumentException("WORLD_SIZE must be kvp × tpa = " + kvp + " × " + tpa + " = " + kvp * tpa + ", was " + env.worldSize()
                    + (env.launcher().equals("none") ? " (no launcher variables: set RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, or start it with mpirun or srun)" : ""));
        }
    }

    public LaunchEnvironment environment() { return env; }

    /** This process's rank in the world group. */
    public int rank() { return env.rank(); }

    public int kvp() { return kvp; }

    public int tpa() { return tpa; }

    /** All {@code kvp × tpa} ranks. */
    public Communicator world() { return world; }

    /** The {@code kvp} ranks that share this rank's TPA slice; this rank is its KVP rank there. */
    public Communicator kvpGroup() { return kvpGroup; }

    @Override
    public void close() {
        try {
            kvpGroup.close();
        } finally {
            world.close();
        }
    }
}
