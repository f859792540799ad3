package dev.kiln.helixsim;

/** How Helix's attention all-to-all is scheduled against attention compute, with HOP-B off and on. */
public enum Schedule {
    /**
     * HOP-B off: all requests' attention, then one all-to-all for the whole batch (α + B·β).
     * HOP-B on: the batch in m micro-batches (the best power of two m ≤ B), pipelined.
     */
    BATCHED,
    /**
     * The paper's Fig. 3: HOP-B off runs each request's attention and then its own all-to-all, in lock-step
     * (B·(c + α + β)); HOP-B on pipelines request i's all-to-all behind request i+1's attention (m = B).
     */
    PER_REQUEST
}
