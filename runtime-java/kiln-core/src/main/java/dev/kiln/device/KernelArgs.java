package dev.kiln.device;

/** Checks launch arguments once, with an error that says which argument was wrong, for every backend. */
public final class KernelArgs {
    private KernelArgs() {}

    public static void check(Kernel kernel, Device device, Object[] args) {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            switch (a) {
                case null -> throw new IllegalArgumentException(where(kernel, i) + " is null");
                case Buffer b when b.device() != device -> throw new IllegalArgumentException(
                        where(kernel, i) + " is a buffer of device '" + b.device().info().name() + "', not of '" + device.info().name() + "'");
                case Buffer b -> { }
                case Integer v -> { }
                case Long v -> { }
                case Float v -> { }
                case Double v -> { }
                case Kernel.LocalMemory m -> { }
                default -> throw new IllegalArgumentException(where(kernel, i) + " has unsupported type "
                        + a.getClass().getName() + "; use Buffer, Integer, Long, Float, Double or Kernel.LocalMemory");
            }
        }
    }

    private static String where(Kernel kernel, int i) {
        return "argument " + i + " of kernel " + kernel.program() + "/" + kernel.name();
    }
}
