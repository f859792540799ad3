package dev.kiln.collective.rendezvous;

import java.util.Map;

/**
 * Who this process is in its job, read from the environment the launcher set: torchrun
 * ({@code RANK}, {@code WORLD_SIZE}, {@code MASTER_ADDR}, {@code MASTER_PORT}), mpirun
 * ({@code OMPI_COMM_WORLD_RANK}, {@code OMPI_COMM_WORLD_SIZE}) or srun ({@code SLURM_PROCID},
 * {@code SLURM_NTASKS}). Under mpirun and srun the control channel's address still comes from
 * {@code MASTER_ADDR}/{@code MASTER_PORT} (default 127.0.0.1:29500). No launcher: a single rank.
 */
public record LaunchEnvironment(String launcher, int rank, int worldSize, String masterAddr, int masterPort) {
    public static final int DEFAULT_PORT = 29500;

    public LaunchEnvironment {
        if (worldSize < 1) throw new IllegalArgumentException("world size must be >= 1, was " + worldSize);
        if (rank < 0 || rank >= worldSize) throw new IllegalArgumentException("rank must be in [0, " + worldSize + "), was " + rank);
        if (masterPort < 1 || masterPort > 65535) throw new IllegalArgumentException("master port must be in [1, 65535], was " + masterPort);
    }

    public static LaunchEnvironment detect() { return detect(System.getenv()); }

    public static LaunchEnvironment detect(Map<String, String> env) {
        String addr = env.getOrDefault("MASTER_ADDR", "127.0.0.1");
        int port = integer(env, "MASTER_PORT", DEFAULT_PORT);
        if (env.containsKey("RANK") && env.containsKey("WORLD_SIZE")) {
            return new LaunchEnvironment("torchrun", integer(env, "RANK", 0), integer(env, "WORLD_SIZE", 1), addr, port);
        }
        if (env.containsKey("OMPI_COMM_WORLD_RANK")) {
            return new LaunchEnvironment("mpirun", integer(env, "OMPI_COMM_WORLD_RANK", 0), integer(env, "OMPI_COMM_WORLD_SIZE", 1), addr, port);
        }
        if (env.containsKey("SLURM_PROCID")) {
            return new LaunchEnvironment("srun", integer(env, "SLURM_PROCID", 0), integer(env, "SLURM_NTASKS", 1), addr, port);
        }
        return new LaunchEnvironment("none", 0, 1, addr, port);
    }

    private static int integer(Map<String, String> env, String key, int fallback) {
        String v = env.get(key);
        if (v == null) return fallback;
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("environment variable " + key + " must be an integer, was '" + v + "'");
        }
    }
}
