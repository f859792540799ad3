package dev.kiln.bind;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * One of Kiln's own libraries ({@code native/}, shipped in the jar), loaded once: its symbols, or why it could not
 * be loaded. A binding keeps one in a holder class and asks it for each function's downcall handle.
 */
public final class BundledLibrary {
    private final String file;
    private final SymbolLookup lookup;
    private final String failure;

    /** Loads {@code lib<name>.so}; a failure is kept, not thrown, so that the binding can report it. */
    public BundledLibrary(String name) {
        this.file = "lib" + name + ".so";
        SymbolLookup found = null;
        String cause = null;
        try {
            found = NativeLibraries.bundled(name);
        } catch (UnsatisfiedLinkError | IllegalArgumentException e) {
            cause = file + " cannot be loaded: " + e.getMessage();
        }
        this.lookup = found;
        this.failure = cause;
    }

    /** Null when the library loaded; otherwise why it did not. */
    public String failure() { return failure; }

    /** The downcall handle of {@code symbol}; {@link UnsatisfiedLinkError} if the library or the symbol is missing. */
    public MethodHandle downcall(String symbol, FunctionDescriptor descriptor) {
        if (lookup == null) throw new UnsatisfiedLinkError(failure);
        MemorySegment address = lookup.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError(file + " has no symbol " + symbol));
        return Linker.nativeLinker().downcallHandle(address, descriptor);
    }
}
