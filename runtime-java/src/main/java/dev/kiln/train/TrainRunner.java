package dev.kiln.train;

import java.util.function.IntConsumer;

/** Runs one {@link RunSpec} somewhere (threads of this JVM, or worker processes) and returns rank 0's curve. */
public interface TrainRunner {
    /** A short name for reports: "in-process", "udp+nft", ... */
    String describe();

    TrainCurve run(RunSpec spec, IntConsumer progress) throws Exception;

    /** Ranks as threads, seeded in-process loss: needs no privileges and is reproducible bit for bit. */
    static TrainRunner inProcess(CharCorpus corpus) {
        return new TrainRunner() {
            @Override public String describe() { return "in-process threads, seeded loss"; }

            @Override
            public TrainCurve run(RunSpec s, IntConsumer progress) {
                return InProcessTraining.run(corpus, s, progress).curve();
            }
        };
    }
}
