// MM2IM accelerator: every size is a compile-time constant (the hardware is built for these limits),
// plus the opcode bits and status bits of its AXI-Lite control interface. The Java driver reads the
// same numbers through mm2im_sim_limits() so that it never has to guess them.
#ifndef MM2IM_CONFIG_H
#define MM2IM_CONFIG_H

// Datapath: PE_COUNT processing elements, each one output channel, each a UF-wide int8 dot product per
// cycle: 8 x 16 = 128 int8 MACs per cycle, 51.2 GOP/s at 200 MHz.
#define MM2IM_PE_COUNT 8
#define MM2IM_UF 16

// Largest kernel side (Kh, Kw): sizes the per-PE tap tables (row-sum terms).
#define MM2IM_MAX_K 16
// Largest input depth Ic (padded to a multiple of UF inside the accelerator).
#define MM2IM_MAX_IC 1024
#define MM2IM_MAX_IC_WORDS (MM2IM_MAX_IC / MM2IM_UF)
// Per-PE weight buffer, in UF-wide words: one filter's Kh*Kw*ceil(Ic/16) words must fit (5x5x1024).
#define MM2IM_WGT_DEPTH 1600
// Per-PE int32 accumulators (power of two: indexed by out_index mod ACC_SIZE). Rows are stored as soon
// as complete, so at most Kh output rows are open at once; the config needs Kh*Ow <= ACC_SIZE.
#define MM2IM_ACC_SIZE 4096
// Input buffer, in UF-wide words, two banks of it: one LOAD_INP chunk of pixels*ceil(Ic/16) words each.
#define MM2IM_INP_BUF_WORDS 2048
// Largest output side and input side (index widths; far above anything the buffers allow).
#define MM2IM_MAX_DIM 4096
#define MM2IM_MAX_STRIDE 64
// Depth of each PE's (out_index, tap) FIFO from the compute-map decoder.
#define MM2IM_TAP_FIFO_DEPTH 512

// AXI-Stream words are 32 bits (the PYNQ AXI DMA's stream width); int8 values travel four per word,
// little-endian (byte i of a word is bits 8i..8i+7).
#define MM2IM_BYTES_PER_WORD 4

// Opcode bits written to the AXI-Lite `opcode` register (the authors' encoding). Several may be set in
// one invocation; they run in this order and each reads its own payload from the input stream, except
// that LOAD_INP and SCHEDULE run concurrently: SCHEDULE computes the chunk the *previous* LOAD_INP
// loaded while this one streams the next chunk into the other input bank.
#define MM2IM_OP_LOAD_CONFIG 1u
#define MM2IM_OP_LOAD_WGT 2u
#define MM2IM_OP_LOAD_INP 4u
#define MM2IM_OP_SCHEDULE 16u
#define MM2IM_OP_STORE 64u
#define MM2IM_OP_ALL (MM2IM_OP_LOAD_CONFIG | MM2IM_OP_LOAD_WGT | MM2IM_OP_LOAD_INP | MM2IM_OP_SCHEDULE | MM2IM_OP_STORE)

// LOAD_CONFIG payload, one 32-bit word each, in this order.
#define MM2IM_CFG_IC 0
#define MM2IM_CFG_IH 1
#define MM2IM_CFG_IW 2
#define MM2IM_CFG_OH 3
#define MM2IM_CFG_OW 4
#define MM2IM_CFG_KH 5
#define MM2IM_CFG_KW 6
#define MM2IM_CFG_SH 7
#define MM2IM_CFG_SW 8
#define MM2IM_CFG_PT 9
#define MM2IM_CFG_PL 10
#define MM2IM_CFG_FILTERS 11
#define MM2IM_CFG_ZP_OUT 12
#define MM2IM_CFG_ROUNDING 13  // MM2IM_ROUND_SINGLE (the paper's PPU) or MM2IM_ROUND_DOUBLE (TFLite's default)
#define MM2IM_CFG_WORDS 14

#define MM2IM_ROUND_SINGLE 0
#define MM2IM_ROUND_DOUBLE 1

// Status word returned by the top function (AXI-Lite return register); 0 is success. An invalid
// request sets a bit and changes no on-chip state it could corrupt: every buffer index is checked
// against the compile-time sizes before it is used.
#define MM2IM_OK 0u
#define MM2IM_ERR_OPCODE (1u << 0)          // unknown opcode bits
#define MM2IM_ERR_NO_CONFIG (1u << 1)       // weights/input/schedule/store before a valid config
#define MM2IM_ERR_CONFIG_RANGE (1u << 2)    // a config field outside its range (Ic, K, stride, filters, sizes, zp)
#define MM2IM_ERR_WGT_CAPACITY (1u << 3)    // Kh*Kw*ceil(Ic/16) > WGT_DEPTH
#define MM2IM_ERR_ACC_CAPACITY (1u << 4)    // Kh*Ow > ACC_SIZE
#define MM2IM_ERR_NO_WEIGHTS (1u << 5)      // schedule/store before weights were loaded for this config
#define MM2IM_ERR_INPUT_RANGE (1u << 6)     // input chunk outside the image or larger than the input buffer
#define MM2IM_ERR_STORE_RANGE (1u << 7)     // store rows outside the output
#define MM2IM_ERR_SHIFT_RANGE (1u << 8)     // a shift outside [-31, 30] ([-31, 31] for double rounding) or a negative multiplier
#define MM2IM_ERR_INPUT_BUSY (1u << 9)      // LOAD_INP without SCHEDULE while a loaded chunk still waits

// Pipeline depths and fixed costs used by the counted-cycle instrumentation and by the Java cycle model
// (dev.kiln.device.fpga.Mm2imCycleModel): estimates for a 200 MHz schedule, not synthesis reports.
#define MM2IM_CYC_CONTROL 12     // AXI-Lite ap_start -> ap_done handshake per invocation
#define MM2IM_CYC_DECODER 4      // compute-map decoder pipeline depth
#define MM2IM_CYC_PE 7           // PE pipeline depth: BRAM read, 16 multipliers, 4-level adder tree, acc RMW
#define MM2IM_CYC_PPU 9          // post-processing pipeline depth (bias, 32x32 multiply, shift, clamp)

#endif  // MM2IM_CONFIG_H
