package dev.kiln.device.fpga;

import java.util.ArrayList;
import java.util.List;

/** The accelerator's AXI-Lite opcodes, its LOAD_CONFIG layout and its status bits ({@code mm2im_config.h}). */
public final class Mm2imProtocol {
    private Mm2imProtocol() {}

    public static final int OP_LOAD_CONFIG = 1;
    public static final int OP_LOAD_WGT = 2;
    public static final int OP_LOAD_INP = 4;
    public static final int OP_SCHEDULE = 16;
    public static final int OP_STORE = 64;

    /** LOAD_CONFIG payload: ic, ih, iw, oh, ow, kh, kw, sh, sw, pt, pl, filters, zp_out, rounding. */
    public static final int CONFIG_WORDS = 14;

    private static final String[] STATUS_NAMES = {
            "MM2IM_ERR_OPCODE", "MM2IM_ERR_NO_CONFIG", "MM2IM_ERR_CONFIG_RANGE", "MM2IM_ERR_WGT_CAPACITY",
            "MM2IM_ERR_ACC_CAPACITY", "MM2IM_ERR_NO_WEIGHTS", "MM2IM_ERR_INPUT_RANGE", "MM2IM_ERR_STORE_RANGE",
            "MM2IM_ERR_SHIFT_RANGE", "MM2IM_ERR_INPUT_BUSY"};

    /** The status bits' names, e.g. {@code MM2IM_ERR_ACC_CAPACITY|MM2IM_ERR_WGT_CAPACITY}; {@code MM2IM_OK} for 0. */
    public static String statusName(int status) {
        if (status == 0) return "MM2IM_OK";
        List<String> names = new ArrayList<>();
        for (int b = 0; b < 32; b++) {
            if ((status & (1 << b)) != 0) names.add(b < STATUS_NAMES.length ? STATUS_NAMES[b] : "MM2IM_ERR_BIT" + b);
        }
        return String.join("|", names);
    }

    public static String opcodeName(int opcode) {
        List<String> names = new ArrayList<>();
        if ((opcode & OP_LOAD_CONFIG) != 0) names.add("LOAD_CONFIG");
        if ((opcode & OP_LOAD_WGT) != 0) names.add("LOAD_WGT");
        if ((opcode & OP_LOAD_INP) != 0) names.add("LOAD_INP");
        if ((opcode & OP_SCHEDULE) != 0) names.add("SCHEDULE");
        if ((opcode & OP_STORE) != 0) names.add("STORE");
        int known = OP_LOAD_CONFIG | OP_LOAD_WGT | OP_LOAD_INP | OP_SCHEDULE | OP_STORE;
        if ((opcode & ~known) != 0) names.add("0x" + Integer.toHexString(opcode & ~known));
        return names.isEmpty() ? "NONE" : String.join("|", names);
    }
}
