package dev.kiln.collective.rendezvous;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launch contract: the variables Open MPI, Slurm and torchrun set, and one clear line for each bad one. */
class LaunchEnvironmentTest {
    @Test
    void torchrunVariables() {
        assertEquals(new LaunchEnvironment("torchrun", 5, 8, 1, "198.18.0.1", 1234), LaunchEnvironment.detect(Map.of(
                "RANK", "5", "WORLD_SIZE", "8", "LOCAL_RANK", "1", "LOCAL_WORLD_SIZE", "4", "MASTER_ADDR", "198.18.0.1", "MASTER_PORT", "1234")));
    }

    @Test
    void openMpiVariables() {
        assertEquals(new LaunchEnvironment("mpirun", 3, 4, 1, "host1", 29500), LaunchEnvironment.detect(Map.of(
                "OMPI_COMM_WORLD_RANK", "3", "OMPI_COMM_WORLD_SIZE", "4", "OMPI_COMM_WORLD_LOCAL_RANK", "1",
                "OMPI_COMM_WORLD_LOCAL_SIZE", "2", "MASTER_ADDR", "host1")));
        // one host: every rank local, the master on loopback
        assertEquals(new LaunchEnvironment("mpirun", 1, 2, 1, "127.0.0.1", 29500), LaunchEnvironment.detect(Map.of(
                "OMPI_COMM_WORLD_RANK", "1", "OMPI_COMM_WORLD_SIZE", "2", "OMPI_COMM_WORLD_LOCAL_RANK", "1", "OMPI_COMM_WORLD_LOCAL_SIZE", "2")));
    }

    @Test
    void slurmVariablesTakeTheMasterFromTheNodeList() {
        assertEquals(new LaunchEnvironment("srun", 6, 8, 2, "node01", 7000), LaunchEnvironment.detect(Map.of(
                "SLURM_PROCID", "6", "SLURM_NTASKS", "8", "SLURM_LOCALID", "2", "SLURM_NNODES", "2",
                "SLURM_JOB_NODELIST", "node[01-02]", "MASTER_PORT", "7000")));
        assertEquals("10.1.2.3", LaunchEnvironment.detect(Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "2",
                "SLURM_JOB_NODELIST", "node[01-02]", "MASTER_ADDR", "10.1.2.3")).masterAddr());
    }

    @Test
    void theIssuesSrunLineIsTwoRanksOnThisHost() {
        LaunchEnvironment env = LaunchEnvironment.detect(Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "2"));
        assertEquals(new LaunchEnvironment("srun", 0, 2, 0, "127.0.0.1", 29500), env);
    }

    @Test
    void torchrunUnderSrunIsTorchrun() {
        // srun --ntasks-per-node=1 torchrun --nproc-per-node=4: Slurm counts nodes, torchrun counts ranks
        LaunchEnvironment env = LaunchEnvironment.detect(Map.of("SLURM_PROCID", "1", "SLURM_NTASKS", "2",
                "RANK", "6", "WORLD_SIZE", "8", "LOCAL_RANK", "2", "LOCAL_WORLD_SIZE", "4", "MASTER_ADDR", "node01"));
        assertEquals(new LaunchEnvironment("torchrun", 6, 8, 2, "node01", 29500), env);
    }

    @Test
    void noLauncherIsOneRank() {
        assertEquals(new LaunchEnvironment("none", 0, 1, 0, "127.0.0.1", 29500), LaunchEnvironment.detect(Map.of()));
    }

    @Test
    void missingMalformedAndContradictoryVariablesAreNamed() {
        assertMessage("RANK is set but WORLD_SIZE is not (torchrun sets both)", Map.of("RANK", "1"));
        assertMessage("WORLD_SIZE is set but RANK is not (a launcher sets both)", Map.of("WORLD_SIZE", "2"));
        assertMessage("OMPI_COMM_WORLD_RANK is set but OMPI_COMM_WORLD_SIZE is not (mpirun sets both)", Map.of("OMPI_COMM_WORLD_RANK", "0"));
        assertMessage("SLURM_PROCID is set but SLURM_NTASKS is not (srun sets both)", Map.of("SLURM_PROCID", "0"));
        assertMessage("RANK = 4 must be below WORLD_SIZE = 4", Map.of("RANK", "4", "WORLD_SIZE", "4"));
        assertMessage("SLURM_PROCID = 2 must be below SLURM_NTASKS = 2", Map.of("SLURM_PROCID", "2", "SLURM_NTASKS", "2"));
        assertMessage("environment variable RANK must be an integer, was 'x'", Map.of("RANK", "x", "WORLD_SIZE", "2"));
        assertMessage("environment variable MASTER_PORT must be in [1, 65535], was 70000", Map.of("MASTER_PORT", "70000"));
        assertMessage("environment variable LOCAL_RANK must be in [0, 1], was 2",
                Map.of("RANK", "1", "WORLD_SIZE", "4", "LOCAL_RANK", "2", "LOCAL_WORLD_SIZE", "2", "MASTER_ADDR", "h"));
        assertMessage("MASTER_ADDR is not set but the ranks span hosts (OMPI_COMM_WORLD_LOCAL_SIZE = 2 < OMPI_COMM_WORLD_SIZE = 4; "
                        + "pass rank 0's host with mpirun -x MASTER_ADDR=<host>)",
                Map.of("OMPI_COMM_WORLD_RANK", "0", "OMPI_COMM_WORLD_SIZE", "4", "OMPI_COMM_WORLD_LOCAL_SIZE", "2"));
        assertMessage("MASTER_ADDR is not set but the ranks span hosts (SLURM_NNODES = 2 and SLURM_JOB_NODELIST is not set)",
                Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "4", "SLURM_NNODES", "2"));
        // RANK exported into an mpirun job: both ranks would claim rank 0
        assertMessage("RANK = 0 contradicts OMPI_COMM_WORLD_RANK = 1 (both with WORLD_SIZE = OMPI_COMM_WORLD_SIZE = 2); "
                        + "unset the one the launcher did not set",
                Map.of("RANK", "0", "WORLD_SIZE", "2", "OMPI_COMM_WORLD_RANK", "1", "OMPI_COMM_WORLD_SIZE", "2"));
        assertMessage("SLURM_JOB_NODELIST = 'n[1-2' is malformed: unbalanced brackets",
                Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "2", "SLURM_JOB_NODELIST", "n[1-2"));
    }

    @Test
    void slurmNodeListsExpandInSlurmsOrder() {
        assertEquals(List.of("node01", "node02", "node03", "node04", "other"), SlurmNodeList.expand("node[01-04],other"));
        assertEquals(List.of("n8", "n9", "n10", "login"), SlurmNodeList.expand("n[8-10],login"));
        assertEquals(List.of("gpu007", "gpu009", "gpu010"), SlurmNodeList.expand("gpu[007,009-010]"));
        assertEquals(List.of("r1-a01", "r1-a02", "r2-a01", "r2-a02"), SlurmNodeList.expand("r[1-2]-a[01-02]"));
        assertEquals(List.of("solo"), SlurmNodeList.expand("solo"));
        assertEquals("node01", SlurmNodeList.first("node[01-04],other"));
        assertEquals("a", SlurmNodeList.first("a,b[1-3]"));
        for (String bad : List.of("n[3-1]", "n[a-b]", "n[1-2]]", "n[[1]]", "a,,b", "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SlurmNodeList.expand(bad), bad);
            assertTrue(e.getMessage().contains("SLURM_JOB_NODELIST"), e.getMessage());
        }
    }

    @Test
    void reachableAddressIsTheRouteToTheMasterOrTheNamedInterface() throws Exception {
        LaunchEnvironment local = new LaunchEnvironment("test", 0, 2, "127.0.0.1", 29500);
        assertEquals(InetAddress.getByName("127.0.0.1"), ReachableAddress.resolve(local, null, Map.of()));
        // a master on loopback is reached from loopback (the route across hosts is checked in SimulatedHostsTest)
        assertEquals(InetAddress.getByName("127.0.0.5"), ReachableAddress.routeTo("127.0.0.5", 1));
        assertEquals(InetAddress.getByName("127.0.0.1"), ReachableAddress.resolve(local, "lo", Map.of()));
        assertEquals(InetAddress.getByName("127.0.0.1"), ReachableAddress.resolve(local, null, Map.of("KILN_IFACE", "lo")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReachableAddress.resolve(local, null, Map.of("KILN_IFACE", "nosuch0")));
        assertTrue(e.getMessage().startsWith("KILN_IFACE = 'nosuch0' is not an interface of this host; it has ["), e.getMessage());
        assertTrue(e.getMessage().contains("lo"), e.getMessage());
    }

    /**
     * A master named by a host name that this host resolves to loopback (Debian's 127.0.1.1 line) is not reachable
     * there from other hosts: rank 0 listens on every interface and publishes a real interface's address. The whole
     * path across hosts is in SimulatedHostsTest's Slurm case, whose host 0 maps its own name to 127.0.1.1.
     */
    @Test
    void aHostNameThatResolvesToLoopbackIsNotPublished() throws Exception {
        assertTrue(ReachableAddress.namesLoopback("localhost"));
        assertTrue(ReachableAddress.namesLoopback("127.0.1.1"));
        assertTrue(ReachableAddress.namesLoopback("::1"));
        assertTrue(!ReachableAddress.namesLoopback("198.18.0.1"));
        String self = InetAddress.getLocalHost().getHostName();
        org.junit.jupiter.api.Assumptions.assumeTrue(InetAddress.getByName(self).isLoopbackAddress() && !self.equals("localhost"),
                "this host's name " + self + " does not resolve to loopback here");
        assertTrue(!ReachableAddress.namesLoopback(self), self);
        InetAddress published = ReachableAddress.routeTo(self, 29500);
        assertEquals(ReachableAddress.firstNonLoopback().orElse(InetAddress.getByName(self)), published);
        java.net.InetSocketAddress master = new java.net.InetSocketAddress(self, 29500);
        assertTrue(ControlChannel.listenAddress(self, master).getAddress().isAnyLocalAddress(), "listens on every interface");
        java.net.InetSocketAddress literal = new java.net.InetSocketAddress("127.0.0.1", 29500);
        assertEquals(literal, ControlChannel.listenAddress("127.0.0.1", literal));
    }

    private static void assertMessage(String expected, Map<String, String> env) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> LaunchEnvironment.detect(env)).getMessage());
    }
}
