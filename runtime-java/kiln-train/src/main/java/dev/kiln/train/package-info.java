/**
 * Data-parallel training of a hand-written char-level GPT over the lossy collectives: in-process ranks with
 * seeded loss ({@link dev.kiln.train.InProcessTraining}) or worker processes under real nftables loss
 * ({@link dev.kiln.train.ProcessTraining}, entry point {@link dev.kiln.train.TrainWorker}).
 *
 * <pre>{@code
 * RunSpec spec = new RunSpec(TrainPreset.named("tiny"), 4, 0.10, LossPolicy.RESCALE_BY_COUNT, 1);
 * TrainCurve curve = InProcessTraining.run(CharCorpus.kingJames(), spec, step -> {}).curve();
 * double perplexity = curve.finalPerplexity();
 * }</pre>
 */
package dev.kiln.train;
