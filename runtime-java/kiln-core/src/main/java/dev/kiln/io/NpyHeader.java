package dev.kiln.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The header dictionary of a {@code .npy} file, parsed strictly: the Python literal NumPy writes
 * ({@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }}), with exactly those three keys, a string,
 * a boolean and a tuple of non-negative integers. Anything else is an {@link NpyFormatException} naming the field.
 * A hand-written parser rather than regular expressions: a regex finds {@code 'shape': (-2,-3)} and the caller has
 * to think of every way the text inside can be wrong; a grammar rejects everything it does not describe.
 */
record NpyHeader(NpyDtype dtype, long[] shape) {
    /** Parses the header text of {@code file}. */
    static NpyHeader parse(Path file, String text) throws NpyFormatException {
        return new Parser(file, text).header();
    }

    private static final class Parser {
        private final Path file;
        private final String s;
        private int i;

        Parser(Path file, String s) {
            this.file = file;
            this.s = s;
        }

        NpyHeader header() throws NpyFormatException {
            Map<String, Object> entries = new HashMap<>();
            space();
            expect('{', "header", "a dictionary starting with '{'");
            space();
            while (peek() != '}') {
                int keyAt = i;
                if (peek() != '\'' && peek() != '"') throw error("header", "expected a quoted key at offset " + keyAt + ", found " + found());
                String key = string("header");
                space();
                expect(':', "header", "':' after key '" + key + "'");
                space();
                Object value = switch (key) {
                    case "descr" -> peek() == '\'' || peek() == '"' ? string("descr") : fail("descr", "expected a quoted dtype string, found " + found());
                    case "fortran_order" -> bool();
                    case "shape" -> tuple();
                    default -> throw error("header", "unknown key '" + key + "'; a .npy header has 'descr', 'fortran_order' and 'shape'");
                };
                if (entries.put(key, value) != null) throw error(key, "appears twice in the header");
                space();
                if (peek() == ',') {
                    i++;
                    space();
                } else if (peek() != '}') {
                    throw error("header", "expected ',' or '}' after '" + key + "', found " + found());
                }
            }
            i++;
            space();
            if (i < s.length()) throw error("header", "unexpected " + found() + " after the dictionary");
            for (String key : List.of("descr", "fortran_order", "shape")) {
                if (!entries.containsKey(key)) throw error(key, "missing from the header");
            }
            NpyDtype dtype;
            try {
                dtype = NpyDtype.ofDescr((String) entries.get("descr"));
            } catch (IllegalArgumentException e) {
                throw error("descr", e.getMessage());
            }
            if ((Boolean) entries.get("fortran_order")) {
                throw error("fortran_order", "True (Fortran order) is not supported; save with np.ascontiguousarray");
            }
            return new NpyHeader(dtype, (long[]) entries.get("shape"));
        }

        private Object fail(String field, String detail) throws NpyFormatException { throw error(field, detail); }

        private Boolean bool() throws NpyFormatException {
            if (s.startsWith("True", i)) { i += 4; return true; }
            if (s.startsWith("False", i)) { i += 5; return false; }
            throw error("fortran_order", "expected True or False, found " + found());
        }

        private long[] tuple() throws NpyFormatException {
            if (peek() != '(') throw error("shape", "expected a tuple such as (2, 3) or (4,), found " + found());
            i++;
            List<Long> dims = new ArrayList<>();
            boolean trailingComma = false;
            space();
            while (peek() != ')') {
                dims.add(dimension(dims.size()));
                space();
                trailingComma = false;
                if (peek() == ',') {
                    i++;
                    trailingComma = true;
                    space();
                } else if (peek() != ')') {
                    throw error("shape", "expected ',' or ')' after dimension " + dims.size() + ", found " + found());
                }
            }
            i++;
            // (3) is the integer 3 in Python, not a tuple: NumPy writes a one-dimensional shape as (3,).
            if (dims.size() == 1 && !trailingComma) throw error("shape", "(" + dims.getFirst() + ") is not a tuple; a one-dimensional shape is written (" + dims.getFirst() + ",)");
            return dims.stream().mapToLong(Long::longValue).toArray();
        }

        private long dimension(int index) throws NpyFormatException {
            int start = i;
            if (peek() == '-' || peek() == '+') i++;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
            String digits = s.substring(start, i);
            if (digits.isEmpty() || digits.equals("-") || digits.equals("+")) {
                throw error("shape", "dimension " + index + " is not an integer: found " + found());
            }
            long n;
            try {
                n = Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw error("shape", "dimension " + index + " is " + digits + ", larger than " + Long.MAX_VALUE);
            }
            if (n < 0) throw error("shape", "dimension " + index + " is " + n + "; dimensions are integers >= 0");
            return n;
        }

        private String string(String field) throws NpyFormatException {
            char quote = s.charAt(i++);
            int end = s.indexOf(quote, i);
            int newline = s.indexOf('\n', i);
            if (end < 0 || (newline >= 0 && newline < end)) throw error(field, "string starting at offset " + (i - 1) + " is not closed");
            String v = s.substring(i, end);
            if (v.indexOf('\\') >= 0) throw error(field, "escape sequences are not supported in '" + printable(v) + "'");
            i = end + 1;
            return v;
        }

        private void space() {
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == '\n' || s.charAt(i) == '\r')) i++;
        }

        private char peek() { return i < s.length() ? s.charAt(i) : '\0'; }

        private void expect(char c, String field, String what) throws NpyFormatException {
            if (peek() != c) throw error(field, "expected " + what + ", found " + found());
            i++;
        }

        private String found() {
            if (i >= s.length()) return "the end of the header";
            return "'" + printable(s.substring(i, Math.min(s.length(), i + 12))).stripTrailing() + "' at offset " + i;
        }

        private NpyFormatException error(String field, String detail) {
            return new NpyFormatException(file, field, detail);
        }
    }

    /** Control and non-ASCII characters as \\uXXXX, so a message stays one printable line. */
    static String printable(String v) {
        StringBuilder b = new StringBuilder();
        for (char c : v.toCharArray()) {
            if (c >= 0x20 && c < 0x7f) b.append(c);
            else b.append(String.format("\\u%04x", (int) c));
        }
        return b.toString();
    }
}
