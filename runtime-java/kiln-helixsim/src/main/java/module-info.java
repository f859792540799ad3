/** The Helix paper's analytical cost model: throughput/interactivity frontiers of catalogued models on catalogued GPUs. */
module dev.kiln.helixsim {
    requires com.fasterxml.jackson.databind;

    exports dev.kiln.helixsim;
    opens dev.kiln.helixsim to com.fasterxml.jackson.databind;
}
