package dev.kiln.train;

import java.util.function.IntConsumer;

/** Runs one {@link RunSpec} somewhere (threads of this JVM, or worker processes) and returns rank 0's curve. */
public interface TrainRunner {
    /** A short name for reports: "in-process", "udp+nft", ... */
    String describe();

    TrainCurve run(RunSpec spec, IntConsumer progress) throws Exception;

    /**
     * What the kernel dropped during the last run, from the nft rule counters: dropped / seen packets on the
     * data path (UDP for lossy policies, TCP for reliable); NaN where no kernel loss is involved.
     */
    default double lastKernelDropFraction() { return Double.NaN; }

    /**
     * Rank 0's parameters at the end of the last run (the flat vector of {@link ParameterLayout}), or null where they
     * stayed in another process.
     */
    default float[] lastParameters() { return null; }

    /** Ranks as threads, seeded in-process loss: needs no privileges and is reproducible bit for bit. */
    static TrainRunner inProcess(CharCorpus corpus) {
        return new TrainRunner() {
            private float[] last;

            @Override public String describe() { return "in-process threads, seeded loss"; }

            @Override
            public TrainCurve run(RunSpec s, IntConsumer progress) {
                InProcessTraining.Result r = InProcessTraining.run(corpus, s, progress);
                last = r.params()[0];
                return r.curve();
            }

            @Override public float[] lastParameters() { return last; }
        };
    }
}
