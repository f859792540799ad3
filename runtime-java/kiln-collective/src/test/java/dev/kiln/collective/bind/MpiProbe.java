package dev.kiln.collective.bind;

import dev.kiln.bind.mpi.Mpi;

import java.nio.file.Files;
import java.nio.file.Path;

/** Whether the MPI baseline can run here: libmpi loads and mpirun exists. */
public final class MpiProbe {
    private MpiProbe() {}

    public static boolean available() {
        return Mpi.isAvailable() && (Files.isExecutable(Path.of("/usr/bin/mpirun")) || Files.isExecutable(Path.of("/usr/local/bin/mpirun")));
    }
}
