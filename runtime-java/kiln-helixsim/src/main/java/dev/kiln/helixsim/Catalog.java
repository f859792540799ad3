package dev.kiln.helixsim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The bundled model and hardware descriptions ({@code model-*.json}, {@code hardware-*.json} beside this
 * class), and loading them from a user's file. A file may be complete, or name a bundled entry in
 * {@code "base"} and override only some fields, e.g. {@code {"base": "gb200", "nvlink": {"alphaSeconds": 1e-6}}}
 * (objects merge field by field).
 */
public final class Catalog {
    public static final List<String> MODELS = List.of("deepseek-r1", "llama-405b", "llama-70b");
    public static final List<String> HARDWARE = List.of("gb200", "h100", "h200");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Catalog() {}

    /** A bundled model by name, or a JSON file. */
    public static ModelSpec model(String nameOrFile) {
        return load("model", MODELS, nameOrFile, ModelSpec.class);
    }

    /** A bundled hardware description by name, or a JSON file. */
    public static HardwareSpec hardware(String nameOrFile) {
        return load("hardware", HARDWARE, nameOrFile, HardwareSpec.class);
    }

    private static <T> T load(String kind, List<String> bundled, String nameOrFile, Class<T> type) {
        JsonNode tree = bundled.contains(nameOrFile) ? bundledTree(kind, nameOrFile) : fileTree(kind, bundled, nameOrFile);
        if (tree.has("base")) {
            String base = tree.get("base").asText();
            if (!bundled.contains(base)) {
                throw new IllegalArgumentException(kind + " file " + nameOrFile + ": base = '" + base + "', allowed are " + bundled);
            }
            ObjectNode merged = (ObjectNode) bundledTree(kind, base);
            ObjectNode overrides = ((ObjectNode) tree).deepCopy();
            overrides.remove("base");
            merge(merged, overrides);
            tree = merged;
        }
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            throw new IllegalArgumentException(kind + " '" + nameOrFile + "': " + firstLine(cause.getMessage()), e);
        }
    }

    private static JsonNode bundledTree(String kind, String name) {
        String resource = kind + "-" + name + ".json";
        try (InputStream in = Catalog.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("bundled resource " + resource + " is missing from the jar");
            return MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bundled " + resource, e);
        }
    }

    private static JsonNode fileTree(String kind, List<String> bundled, String file) {
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(kind + " = '" + file + "': neither a bundled " + kind + " " + bundled + " nor a readable file");
        }
        try {
            JsonNode tree = MAPPER.readTree(path.toFile());
            if (!tree.isObject()) throw new IllegalArgumentException(kind + " file " + file + ": expected a JSON object");
            return tree;
        } catch (IOException e) {
            throw new IllegalArgumentException(kind + " file " + file + ": " + firstLine(e.getMessage()), e);
        }
    }

    private static void merge(ObjectNode target, ObjectNode overrides) {
        for (Iterator<Map.Entry<String, JsonNode>> it = overrides.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode existing = target.get(e.getKey());
            if (existing instanceof ObjectNode o && e.getValue() instanceof ObjectNode v) merge(o, v);
            else target.set(e.getKey(), e.getValue());
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "invalid";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
