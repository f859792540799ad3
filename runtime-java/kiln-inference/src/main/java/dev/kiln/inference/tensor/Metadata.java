package dev.kiln.inference.tensor;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Key-value metadata of a checkpoint with typed getters that fail with one line naming the key. GGUF values
 * arrive typed (Integer, Long, Float, Double, Boolean, String, List); safetensors' {@code __metadata__} holds only
 * strings, which the numeric getters parse.
 */
public final class Metadata {
    private final String file;
    private final Map<String, Object> values;

    public Metadata(String file, Map<String, Object> values) {
        this.file = file;
        this.values = Collections.unmodifiableMap(values);
    }

    public Map<String, Object> asMap() { return values; }

    public boolean has(String key) { return values.containsKey(key); }

    public Object get(String key) {
        Object v = values.get(key);
        if (v == null) throw new IllegalArgumentException(file + ": metadata key '" + key + "' is missing");
        return v;
    }

    public String string(String key) {
        Object v = get(key);
        if (v instanceof String s) return s;
        throw wrongType(key, v, "a string");
    }

    public String string(String key, String otherwise) { return has(key) ? string(key) : otherwise; }

    public long integer(String key) {
        Object v = get(key);
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
        if (v instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw wrongType(key, v, "an integer");
            }
        }
        throw wrongType(key, v, "an integer");
    }

    public long integer(String key, long otherwise) { return has(key) ? integer(key) : otherwise; }

    public double real(String key) {
        Object v = get(key);
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                throw wrongType(key, v, "a number");
            }
        }
        throw wrongType(key, v, "a number");
    }

    public double real(String key, double otherwise) { return has(key) ? real(key) : otherwise; }

    public List<?> list(String key) {
        Object v = get(key);
        if (v instanceof List<?> l) return l;
        throw wrongType(key, v, "an array");
    }

    private IllegalArgumentException wrongType(String key, Object v, String wanted) {
        String shown = String.valueOf(v);
        if (shown.length() > 40) shown = shown.substring(0, 40) + "...";
        return new IllegalArgumentException(file + ": metadata key '" + key + "' is " + shown + " (" + v.getClass().getSimpleName() + "), must be " + wanted);
    }
}
