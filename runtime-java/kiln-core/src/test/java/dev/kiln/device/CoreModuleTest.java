package dev.kiln.device;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The core module an embedder starts from: nothing outside the JDK, and only its API packages exported to all. */
class CoreModuleTest {
    @Test
    void core_requires_only_the_jdk_and_exports_only_its_api() throws Exception {
        ModuleDescriptor d;
        try (InputStream in = Files.newInputStream(Path.of("target", "classes", "module-info.class"))) {
            d = ModuleDescriptor.read(in);
        }
        assertEquals("dev.kiln.core", d.name());
        for (ModuleDescriptor.Requires r : d.requires()) {
            assertTrue(r.name().startsWith("java.") || r.name().startsWith("jdk."), "dev.kiln.core requires " + r.name());
        }
        for (ModuleDescriptor.Exports e : d.exports()) {
            boolean internal = e.source().startsWith("dev.kiln.bind") || e.source().endsWith(".cpu") || e.source().contains(".impl");
            assertTrue(!internal || e.isQualified(), "internal package exported to everyone: " + e.source());
        }
    }
}
