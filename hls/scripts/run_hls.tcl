# Vitis HLS flow of the MM2IM accelerator: C simulation, C synthesis, RTL co-simulation, IP export.
#
#   NOT RUN in Kiln's build environment: there is no Vitis/Vivado there. Kiln runs the C simulation
#   with plain g++ (hls/tb/Makefile, and libkiln_mm2im_sim.so through the Maven build). This script is
#   what a user with Vitis HLS 2022.1 or later runs:
#
#     cd hls && vitis_hls -f scripts/run_hls.tcl                  # csim, csynth, cosim, export (AXI-Stream IP)
#     cd hls && vitis_hls -f scripts/run_hls.tcl -tclargs csim    # only one step: csim | csynth | cosim | export | xo
#
# Target: PYNQ-Z1/Z2, Zynq-7020 (xc7z020clg400-1), 200 MHz (5 ns). Outputs land in hls/mm2im_prj/.
#   solution "axis": top mm2im_top, AXI-Stream + AXI-Lite, exported to the IP catalog for
#                    scripts/pynq_block_design.tcl (Zynq PS + AXI DMA + this IP), the paper's system.
#   solution "xrt":  top mm2im_xrt, m_axi + AXI-Lite, exported as mm2im_xrt.xo for `v++ -l` (fpga-xrt).

set script_dir [file dirname [file normalize [info script]]]
set hls_dir    [file dirname $script_dir]
set step       [expr {[llength $argv] > 0 ? [lindex $argv end] : "all"}]
set part       xc7z020clg400-1
set period_ns  5

set cflags  "-I$hls_dir/mm2im -std=c++14"
set tbflags "-I$hls_dir/mm2im -std=c++14 -Wno-unknown-pragmas"

proc add_sources {hls_dir cflags tbflags} {
    add_files $hls_dir/mm2im/mm2im.cpp     -cflags $cflags
    add_files $hls_dir/mm2im/mm2im_xrt.cpp -cflags $cflags
    add_files $hls_dir/mm2im/mm2im.h
    add_files $hls_dir/mm2im/mm2im_core.h
    add_files $hls_dir/mm2im/mm2im_config.h
    add_files $hls_dir/mm2im/mm2im_types.h
    add_files -tb $hls_dir/tb/mm2im_tb.cpp -cflags $tbflags
}

# --- AXI-Stream accelerator (the paper's system: DMA + AXI-Lite) ---
open_project -reset mm2im_prj
set_top mm2im_top
add_sources $hls_dir $cflags $tbflags
open_solution -reset axis -flow_target vivado
set_part $part
create_clock -period $period_ns -name default
config_compile -pipeline_loops 0
config_export -format ip_catalog -rtl verilog -vendor kiln.dev -library hls -ipname mm2im -version 1.0 \
    -description "MM2IM transposed-convolution accelerator (8 PEs x 16 int8 MACs)"

if {$step eq "all" || $step eq "csim"} {
    # The full sweep: every synthetic config and the edge cases, bit-exact against the TB's golden model.
    csim_design -argv "--cycles"
}
if {$step eq "all" || $step eq "csynth" || $step eq "cosim" || $step eq "export"} {
    csynth_design
}
if {$step eq "all" || $step eq "cosim"} {
    # RTL co-simulation is slow: a few small layers (the static on-chip state carries across calls).
    cosim_design -argv "--tiny" -trace_level none -rtl verilog
}
if {$step eq "all" || $step eq "export"} {
    export_design -format ip_catalog -output $hls_dir/mm2im_prj/mm2im_ip.zip
}

# --- XRT kernel (memory-mapped ports), for fpga-xrt ---
if {$step eq "all" || $step eq "xo"} {
    set_top mm2im_xrt
    open_solution -reset xrt -flow_target vitis
    set_part $part
    create_clock -period $period_ns -name default
    csynth_design
    export_design -format xo -output $hls_dir/mm2im_prj/mm2im_xrt.xo
}
exit
