/** Kiln's examples: each uses only the exported API of the modules it requires. */
module dev.kiln.examples {
    requires dev.kiln.tconv;
    requires dev.kiln.attention;
    requires dev.kiln.collective;
    requires dev.kiln.inference;
}
