package dev.kiln.collective.rendezvous;

import java.util.Map;

/**
 * Who this process is in its job, read from the variables of whichever launcher started it:
 * <ul>
 * <li>torchrun (or by hand): {@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}, {@code MASTER_ADDR},
 *     {@code MASTER_PORT};</li>
 * <li>Open MPI's mpirun: {@code OMPI_COMM_WORLD_RANK}, {@code OMPI_COMM_WORLD_SIZE},
 *     {@code OMPI_COMM_WORLD_LOCAL_RANK}; rank 0's host from {@code MASTER_ADDR} ({@code mpirun -x MASTER_ADDR=host1});</li>
 * <li>Slurm's srun: {@code SLURM_PROCID}, {@code SLURM_NTASKS}, {@code SLURM_LOCALID}; rank 0's host from
 *     {@code MASTER_ADDR}, else the first host of {@code SLURM_JOB_NODELIST} (compact syntax, see {@link SlurmNodeList}).</li>
 * </ul>
 * torchrun's variables win when several launchers are nested (srun starting torchrun). Without {@code MASTER_ADDR}
 * on a single host the master is {@code 127.0.0.1}; when the launcher says the ranks span hosts it is an error.
 * The port is {@code MASTER_PORT}, default {@value #DEFAULT_PORT}. No launcher: a single rank. A missing,
 * malformed or contradictory variable is an {@link IllegalArgumentException} whose one line names it.
 *
 * <pre>{@code
 * LaunchEnvironment env = LaunchEnvironment.detect();
 * System.out.println(env.launcher() + " rank " + env.rank() + " of " + env.worldSize() + ", master " + env.masterAddr());
 * }</pre>
 *
 * @param launcher   {@code torchrun}, {@code mpirun}, {@code srun}, {@code none}, or a caller's label
 * @param localRank  this rank's index among the ranks on its host (picks a GPU)
 * @param masterAddr host or address of rank 0, where the {@link ControlChannel} meets
 */
public record LaunchEnvironment(String launcher, int rank, int worldSize, int localRank, String masterAddr, int masterPort) {
    public static final int DEFAULT_PORT = 29500;
    private static final String LOCALHOST = "127.0.0.1";

    public LaunchEnvironment {
        if (worldSize < 1) throw new IllegalArgumentException("world size must be >= 1, was " + worldSize);
        if (rank < 0 || rank >= worldSize) throw new IllegalArgumentException("rank must be in [0, " + worldSize + "), was " + rank);
        if (localRank < 0 || localRank > rank) throw new IllegalArgumentException("local rank must be in [0, rank " + rank + "], was " + localRank);
        if (masterAddr == null || masterAddr.isBlank()) throw new IllegalArgumentException("master address must be a host name or address, was '" + masterAddr + "'");
        if (masterPort < 1 || masterPort > 65535) throw new IllegalArgumentException("master port must be in [1, 65535], was " + masterPort);
    }

    /** All ranks on one host: the local rank is the rank. */
    public LaunchEnvironment(String launcher, int rank, int worldSize, String masterAddr, int masterPort) {
        this(launcher, rank, worldSize, rank, masterAddr, masterPort);
    }

    public static LaunchEnvironment detect() { return detect(System.getenv()); }

    public static LaunchEnvironment detect(Map<String, String> env) {
        Vars v = new Vars(env);
        int port = v.has("MASTER_PORT") ? v.integer("MASTER_PORT", 1, 65535) : DEFAULT_PORT;
        if (v.has("RANK") || v.has("WORLD_SIZE")) {
            int size = v.required("WORLD_SIZE", "RANK", "torchrun");
            int rank = v.rank("RANK", "WORLD_SIZE", size);
            v.agrees("RANK", rank, "WORLD_SIZE", size, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE");
            v.agrees("RANK", rank, "WORLD_SIZE", size, "SLURM_PROCID", "SLURM_NTASKS");
            int localSize = v.has("LOCAL_WORLD_SIZE") ? v.integer("LOCAL_WORLD_SIZE", 1, size) : -1;
            int local = v.has("LOCAL_RANK") ? v.integer("LOCAL_RANK", 0, localSize > 0 ? Math.min(localSize - 1, rank) : rank) : rank;
            String master = v.master(localSize > 0 && localSize < size,
                    "LOCAL_WORLD_SIZE = " + localSize + " < WORLD_SIZE = " + size);
            return new LaunchEnvironment("torchrun", rank, size, local, master, port);
        }
        if (v.has("OMPI_COMM_WORLD_RANK") || v.has("OMPI_COMM_WORLD_SIZE")) {
            int size = v.required("OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "mpirun");
            int rank = v.rank("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", size);
            int localSize = v.has("OMPI_COMM_WORLD_LOCAL_SIZE") ? v.integer("OMPI_COMM_WORLD_LOCAL_SIZE", 1, size) : -1;
            int local = v.has("OMPI_COMM_WORLD_LOCAL_RANK")
                    ? v.integer("OMPI_COMM_WORLD_LOCAL_RANK", 0, localSize > 0 ? Math.min(localSize - 1, rank) : rank) : rank;
            String master = v.master(localSize > 0 && localSize < size,
                    "OMPI_COMM_WORLD_LOCAL_SIZE = " + localSize + " < OMPI_COMM_WORLD_SIZE = " + size
                            + "; pass rank 0's host with mpirun -x MASTER_ADDR=<host>");
            return new LaunchEnvironment("mpirun", rank, size, local, master, port);
        }
        if (v.has("SLURM_PROCID")) {
            int size = v.required("SLURM_NTASKS", "SLURM_PROCID", "srun");
            int rank = v.rank("SLURM_PROCID", "SLURM_NTASKS", size);
            int local = v.has("SLURM_LOCALID") ? v.integer("SLURM_LOCALID", 0, rank) : rank;
            String master;
            if (v.has("MASTER_ADDR")) master = v.string("MASTER_ADDR");
            else if (v.has("SLURM_JOB_NODELIST")) master = SlurmNodeList.first(v.string("SLURM_JOB_NODELIST"));
            else {
                int nodes = v.has("SLURM_NNODES") ? v.integer("SLURM_NNODES", 1, Integer.MAX_VALUE) : 1;
                master = v.master(nodes > 1, "SLURM_NNODES = " + nodes + " and SLURM_JOB_NODELIST is not set");
            }
            return new LaunchEnvironment("srun", rank, size, local, master, port);
        }
        return new LaunchEnvironment("none", 0, 1, 0, v.has("MASTER_ADDR") ? v.string("MASTER_ADDR") : LOCALHOST, port);
    }

    /** The variables, read with errors that name them. */
    private record Vars(Map<String, String> env) {
        boolean has(String key) {
            String s = env.get(key);
            return s != null && !s.isBlank();
        }

        String string(String key) { return env.get(key).trim(); }

        int integer(String key, int min, int max) {
            String s = env.get(key);
            int value;
            try {
                value = Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("environment variable " + key + " must be an integer, was '" + s + "'");
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException("environment variable " + key + " must be in [" + min + ", " + max + "], was " + value);
            }
            return value;
        }

        /** The size variable {@code key}, which must be set because {@code partner} is. */
        int required(String key, String partner, String launcher) {
            if (!has(key)) throw new IllegalArgumentException(partner + " is set but " + key + " is not (" + launcher + " sets both)");
            return integer(key, 1, Integer.MAX_VALUE);
        }

        int rank(String key, String sizeKey, int size) {
            if (!has(key)) throw new IllegalArgumentException(sizeKey + " is set but " + key + " is not (a launcher sets both)");
            int rank = integer(key, 0, Integer.MAX_VALUE);
            if (rank >= size) throw new IllegalArgumentException(key + " = " + rank + " must be below " + sizeKey + " = " + size);
            return rank;
        }

        /**
         * A second launcher's variables describing the same world size must give the same rank; otherwise the
         * variables were inherited from elsewhere (an exported RANK under mpirun) and two ranks would claim one id.
         */
        void agrees(String rankKey, int rank, String sizeKey, int size, String otherRankKey, String otherSizeKey) {
            if (!has(otherRankKey) || !has(otherSizeKey)) return;
            String otherRank = string(otherRankKey), otherSize = string(otherSizeKey);
            if (otherSize.equals(Integer.toString(size)) && !otherRank.equals(Integer.toString(rank))) {
                throw new IllegalArgumentException(rankKey + " = " + rank + " contradicts " + otherRankKey + " = " + otherRank
                        + " (both with " + sizeKey + " = " + otherSizeKey + " = " + size + "); unset the one the launcher did not set");
            }
        }

        /** MASTER_ADDR, or loopback when all ranks share this host; ranks on several hosts must be told rank 0's. */
        String master(boolean spansHosts, String evidence) {
            if (has("MASTER_ADDR")) return string("MASTER_ADDR");
            if (spansHosts) throw new IllegalArgumentException("MASTER_ADDR is not set but the ranks span hosts (" + evidence + ")");
            return LOCALHOST;
        }
    }
}
