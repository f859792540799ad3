package dev.kiln.device;

/**
 * A native call failed. Names the library, the function and the library's own error name
 * ({@code CUDA_ERROR_OUT_OF_MEMORY}, {@code CL_INVALID_WORK_GROUP_SIZE}), plus any log the library
 * produced (an OpenCL build log, a PTX JIT log).
 */
public final class KilnNativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String library;
    private final String function;
    private final int code;
    private final String errorName;

    public KilnNativeException(String library, String function, int code, String errorName, String detail) {
        super(message(library, function, code, errorName, detail));
        this.library = library;
        this.function = function;
        this.code = code;
        this.errorName = errorName;
    }

    public KilnNativeException(String library, String function, int code, String errorName) {
        this(library, function, code, errorName, null);
    }

    private static String message(String library, String function, int code, String errorName, String detail) {
        String head = library + ": " + function + " failed with " + errorName + " (" + code + ")";
        if (detail == null || detail.isBlank()) return head;
        // a one-line detail stays on the line (one error, one line); a log keeps its own lines below the head
        return detail.strip().contains("\n") ? head + "\n" + detail.strip() : head + ": " + detail.strip();
    }

    public String library() { return library; }
    public String function() { return function; }
    public int code() { return code; }
    public String errorName() { return errorName; }
}
