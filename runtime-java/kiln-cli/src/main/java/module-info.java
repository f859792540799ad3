/** The {@code kiln} command line. Picocli, Jackson and JFreeChart are required here and nowhere below. */
module dev.kiln.cli {
    requires dev.kiln.tconv;
    requires dev.kiln.tconv.ort;            // dev.kiln.tconv.onnx: kiln tconv run --onnx
    requires dev.kiln.attention;
    requires dev.kiln.inference;
    requires dev.kiln.train;
    requires dev.kiln.helixsim;
    requires jdk.incubator.vector;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires org.jfree.jfreechart;
    requires java.desktop;

    opens dev.kiln.cli to info.picocli, com.fasterxml.jackson.databind;
}
