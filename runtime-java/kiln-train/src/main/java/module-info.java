/**
 * Data-parallel training of a char-level GPT over the lossy allreduce: in-process ranks or worker processes
 * ({@link dev.kiln.train.TrainRunner}, {@link dev.kiln.train.ProcessTraining}).
 */
module dev.kiln.train {
    requires transitive dev.kiln.collective;
    requires jdk.incubator.vector;
    requires com.fasterxml.jackson.databind;

    exports dev.kiln.train;
    opens dev.kiln.train to com.fasterxml.jackson.databind;
}
