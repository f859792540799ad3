package dev.kiln.collective.rendezvous;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The arguments of a worker's entry point: {@code --name value} pairs, written by its launcher and read back
 * by the worker. A malformed or missing argument is an {@link IllegalArgumentException} that names it.
 */
public final class WorkerArgs {
    private final Map<String, String> values = new LinkedHashMap<>();

    private WorkerArgs() {}

    public static WorkerArgs parse(String[] args) {
        WorkerArgs w = new WorkerArgs();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("worker arguments are --name value pairs; '" + args[i] + "' has no value or no --");
            }
            w.values.put(args[i].substring(2), args[i + 1]);
        }
        return w;
    }

    /** The value of {@code --name} converted by {@code parser}; the error names the argument and its value. */
    public <T> T get(String name, Function<String, T> parser) {
        String v = values.get(name);
        if (v == null) throw new IllegalArgumentException("worker argument --" + name + " is missing");
        try {
            return parser.apply(v);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("worker argument --" + name + " = '" + v + "': " + e.getMessage(), e);
        }
    }

    public String get(String name) { return get(name, Function.identity()); }

    /** The value of {@code --name} converted by {@code parser}, or {@code fallback} when it was not given. */
    public <T> T get(String name, Function<String, T> parser, T fallback) {
        return values.containsKey(name) ? get(name, parser) : fallback;
    }
}
