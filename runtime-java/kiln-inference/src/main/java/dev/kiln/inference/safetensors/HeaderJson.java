package dev.kiln.inference.safetensors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON of a safetensors header, read and written by hand: objects (LinkedHashMap), arrays (List), strings,
 * integers (Long), other numbers (Double), booleans and null. A header is a few kilobytes of this, and the
 * inference layer sits below the CLI, the only module with a JSON library.
 */
final class HeaderJson {
    private final String s;
    private int i;

    private HeaderJson(String s) { this.s = s; }

    /** Parses {@code text}; an IllegalArgumentException names the character offset of the fault. */
    static Object parse(String text) {
        HeaderJson p = new HeaderJson(text);
        p.skip();
        Object v = p.value();
        p.skip();
        if (p.i != text.length()) throw p.fail("trailing characters");
        return v;
    }

    private IllegalArgumentException fail(String what) {
        return new IllegalArgumentException("header JSON: " + what + " at character " + i);
    }

    private void skip() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
    }

    private char peek() {
        if (i >= s.length()) throw fail("unexpected end");
        return s.charAt(i);
    }

    private void expect(char c) {
        if (peek() != c) throw fail("expected '" + c + "', found '" + peek() + "'");
        i++;
    }

    private Object value() {
        char c = peek();
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> number();
        };
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, i)) throw fail("unexpected '" + peek() + "'");
        i += word.length();
        return v;
    }

    private Map<String, Object> object() {
        expect('{');
        Map<String, Object> m = new LinkedHashMap<>();
        skip();
        if (peek() == '}') {
            i++;
            return m;
        }
        while (true) {
            skip();
            String key = string();
            skip();
            expect(':');
            skip();
            if (m.put(key, value()) != null) throw fail("duplicate key '" + key + "'");
            skip();
            if (peek() == ',') {
                i++;
                continue;
            }
            expect('}');
            return m;
        }
    }

    private List<Object> array() {
        expect('[');
        List<Object> l = new ArrayList<>();
        skip();
        if (peek() == ']') {
            i++;
            return l;
        }
        while (true) {
            skip();
            l.add(value());
            skip();
            if (peek() == ',') {
                i++;
                continue;
            }
            expect(']');
            return l;
        }
    }

    private String string() {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (true) {
            char c = peek();
            i++;
            if (c == '"') return b.toString();
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = peek();
            i++;
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (i + 4 > s.length()) throw fail("short \\u escape");
                    try {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw fail("bad \\u escape");
                    }
                    i += 4;
                }
                default -> throw fail("bad escape '\\" + e + "'");
            }
        }
    }

    private Object number() {
        int start = i;
        while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
        String t = s.substring(start, i);
        if (t.isEmpty()) throw fail("unexpected '" + peek() + "'");
        try {
            if (t.indexOf('.') < 0 && t.indexOf('e') < 0 && t.indexOf('E') < 0) return Long.parseLong(t);
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            i = start;
            throw fail("bad number '" + t + "'");
        }
    }

    /** {@code value} as JSON text (maps, lists, strings, numbers, booleans). */
    static String write(Object value) {
        StringBuilder b = new StringBuilder();
        write(b, value);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v) {
        switch (v) {
            case null -> b.append("null");
            case String str -> quote(b, str);
            case Map<?, ?> m -> {
                b.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) b.append(',');
                    first = false;
                    quote(b, (String) e.getKey());
                    b.append(':');
                    write(b, e.getValue());
                }
                b.append('}');
            }
            case List<?> l -> {
                b.append('[');
                for (int k = 0; k < l.size(); k++) {
                    if (k > 0) b.append(',');
                    write(b, l.get(k));
                }
                b.append(']');
            }
            case long[] a -> {
                b.append('[');
                for (int k = 0; k < a.length; k++) {
                    if (k > 0) b.append(',');
                    b.append(a[k]);
                }
                b.append(']');
            }
            default -> b.append(v);
        }
    }

    private static void quote(StringBuilder b, String str) {
        b.append('"');
        for (int k = 0; k < str.length(); k++) {
            char c = str.charAt(k);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }
}
