package dev.kiln.collective.netlab;

import dev.kiln.collective.lossy.LossyPhase;
import dev.kiln.collective.wire.Packet;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LossyNamespaceRulesTest {
    @Test
    void loss_in_every_phase_matches_every_udp_datagram() {
        String rules = LossyNamespace.ruleset(0.1);
        assertEquals(rules, LossyNamespace.ruleset(0.1, EnumSet.allOf(LossyPhase.class)));
        assertFalse(rules.contains("@th"), rules);
        assertTrue(rules.contains("udp dport 41000-41099 numgen random mod 1000000 < 100000 counter drop"), rules);
    }

    @Test
    void loss_in_one_phase_matches_the_phase_byte_after_the_udp_header() {
        String rules = LossyNamespace.ruleset(0.25, EnumSet.of(LossyPhase.BROADCAST));
        int bit = 8 * (8 + Packet.PHASE_OFFSET);   // 8 B UDP header, then Kiln's header
        assertEquals(200, bit);
        assertTrue(rules.contains("udp dport 41000-41099 @th,200,8 { 3 } numgen random mod 1000000 < 250000 counter drop"), rules);
        // The TCP rules (reliable path) are untouched, and the unconditional UDP counter still counts everything.
        assertTrue(rules.contains("    udp dport 41000-41099 counter\n"), rules);
        assertTrue(rules.contains("tcp dport { 42000-42099, 43000-43099 } numgen random mod 1000000 < 250000 counter drop"), rules);
    }
}
