# Vivado block design of the paper's system on a PYNQ-Z1: Zynq-7000 PS (FCLK0 = 200 MHz), one AXI DMA
# (simple mode, 32-bit streams) between DDR (HP0) and the MM2IM IP, and the IP's AXI-Lite control on
# GP0; bitstream plus the .hwh that PYNQ's Overlay needs.
#
#   NOT RUN in Kiln's build environment (no Vivado there). Run after scripts/run_hls.tcl exported the IP:
#
#     cd hls && vivado -mode batch -source scripts/pynq_block_design.tcl
#
# Addresses as in the authors' design: MM2IM control at 0x43C0_0000, AXI DMA at 0x4040_0000.
# Outputs: hls/mm2im_vivado/mm2im.bit and mm2im.hwh (copy both next to each other on the board).

set script_dir [file dirname [file normalize [info script]]]
set hls_dir    [file dirname $script_dir]
set proj_dir   $hls_dir/mm2im_vivado
set ip_repo    $hls_dir/mm2im_prj/axis/impl/ip

create_project -force mm2im $proj_dir -part xc7z020clg400-1
set_property ip_repo_paths $ip_repo [current_project]
update_ip_catalog
create_bd_design mm2im_bd

# Processing system: DDR, fixed IO, a 200 MHz fabric clock, GP0 master, HP0 slave, PL interrupts.
set ps [create_bd_cell -type ip -vlnv xilinx.com:ip:processing_system7:5.5 ps7]
apply_bd_automation -rule xilinx.com:bd_rule:processing_system7 \
    -config {make_external "FIXED_IO, DDR" apply_board_preset "0" Master "Disable" Slave "Disable"} $ps
set_property -dict [list \
    CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ {200} \
    CONFIG.PCW_USE_M_AXI_GP0 {1} \
    CONFIG.PCW_USE_S_AXI_HP0 {1} \
    CONFIG.PCW_S_AXI_HP0_DATA_WIDTH {64} \
    CONFIG.PCW_USE_FABRIC_INTERRUPT {1} \
    CONFIG.PCW_IRQ_F2P_INTR {1} \
] $ps

# The accelerator and its DMA.
set mm2im [create_bd_cell -type ip -vlnv kiln.dev:hls:mm2im:1.0 mm2im]
set dma [create_bd_cell -type ip -vlnv xilinx.com:ip:axi_dma:7.1 dma]
set_property -dict [list \
    CONFIG.c_include_sg {0} \
    CONFIG.c_sg_include_stscntrl_strm {0} \
    CONFIG.c_sg_length_width {26} \
    CONFIG.c_m_axi_mm2s_data_width {64} \
    CONFIG.c_m_axis_mm2s_tdata_width {32} \
    CONFIG.c_m_axi_s2mm_data_width {64} \
    CONFIG.c_s_axis_s2mm_tdata_width {32} \
    CONFIG.c_mm2s_burst_size {64} \
    CONFIG.c_s2mm_burst_size {64} \
] $dma

# Streams: DDR -> DMA MM2S -> mm2im.in ; mm2im.out -> DMA S2MM -> DDR.
connect_bd_intf_net [get_bd_intf_pins dma/M_AXIS_MM2S] [get_bd_intf_pins mm2im/in_r]
connect_bd_intf_net [get_bd_intf_pins mm2im/out_r] [get_bd_intf_pins dma/S_AXIS_S2MM]

# Control (GP0) and memory (HP0), with interconnects and resets made by the automation.
apply_bd_automation -rule xilinx.com:bd_rule:axi4 \
    -config {Master "/ps7/M_AXI_GP0" Clk "/ps7/FCLK_CLK0 (200 MHz)"} [get_bd_intf_pins mm2im/s_axi_control]
apply_bd_automation -rule xilinx.com:bd_rule:axi4 \
    -config {Master "/ps7/M_AXI_GP0" Clk "/ps7/FCLK_CLK0 (200 MHz)"} [get_bd_intf_pins dma/S_AXI_LITE]
apply_bd_automation -rule xilinx.com:bd_rule:axi4 \
    -config {Slave "/ps7/S_AXI_HP0" Clk "/ps7/FCLK_CLK0 (200 MHz)"} [get_bd_intf_pins dma/M_AXI_MM2S]
apply_bd_automation -rule xilinx.com:bd_rule:axi4 \
    -config {Slave "/ps7/S_AXI_HP0" Clk "/ps7/FCLK_CLK0 (200 MHz)"} [get_bd_intf_pins dma/M_AXI_S2MM]
apply_bd_automation -rule xilinx.com:bd_rule:clkrst -config {Clk "/ps7/FCLK_CLK0 (200 MHz)"} [get_bd_pins mm2im/ap_clk]

# Interrupts: DMA done (both directions) and the accelerator's ap_done, concatenated into IRQ_F2P.
set irq [create_bd_cell -type ip -vlnv xilinx.com:ip:xlconcat:2.1 irq]
set_property CONFIG.NUM_PORTS {3} $irq
connect_bd_net [get_bd_pins dma/mm2s_introut] [get_bd_pins irq/In0]
connect_bd_net [get_bd_pins dma/s2mm_introut] [get_bd_pins irq/In1]
connect_bd_net [get_bd_pins mm2im/interrupt]  [get_bd_pins irq/In2]
connect_bd_net [get_bd_pins irq/dout] [get_bd_pins ps7/IRQ_F2P]

# The authors' address map.
assign_bd_address
set_property offset 0x43C00000 [get_bd_addr_segs {ps7/Data/SEG_mm2im_Reg}]
set_property range 64K         [get_bd_addr_segs {ps7/Data/SEG_mm2im_Reg}]
set_property offset 0x40400000 [get_bd_addr_segs {ps7/Data/SEG_dma_Reg}]
set_property range 64K         [get_bd_addr_segs {ps7/Data/SEG_dma_Reg}]

validate_bd_design
save_bd_design
make_wrapper -files [get_files $proj_dir/mm2im.srcs/sources_1/bd/mm2im_bd/mm2im_bd.bd] -top
add_files -norecurse $proj_dir/mm2im.gen/sources_1/bd/mm2im_bd/hdl/mm2im_bd_wrapper.v
set_property top mm2im_bd_wrapper [current_fileset]

launch_runs impl_1 -to_step write_bitstream -jobs 4
wait_on_run impl_1
file copy -force $proj_dir/mm2im.runs/impl_1/mm2im_bd_wrapper.bit $proj_dir/mm2im.bit
file copy -force $proj_dir/mm2im.gen/sources_1/bd/mm2im_bd/hw_handoff/mm2im_bd.hwh $proj_dir/mm2im.hwh
report_utilization -file $proj_dir/utilization.rpt
report_timing_summary -file $proj_dir/timing.rpt
puts "MM2IM bitstream: $proj_dir/mm2im.bit (+ mm2im.hwh)"
