/** Per-step load statistics of one MoE layer. */
export interface MoEMetrics {
  /** Token-slots routed to each expert (before any capacity dropping). */
  tokensPerExpert: number[];
  /** Coefficient of variation of that load: population std / mean (0 when perfectly balanced). */
  cv: number;
  /** Busiest expert's load / mean load (1 when perfectly balanced). */
  maxOverMean: number;
  /** Fraction of the token-slots dropped for want of capacity (0 when dropless). */
  droppedFraction: number;
}

/** The metrics of a load vector, `dropped` slots of `slots` having been dropped. */
export function loadMetrics(load: readonly number[], dropped: number, slots: number): MoEMetrics {
  const mean = load.reduce((s, l) => s + l, 0) / load.length;
  const variance = load.reduce((s, l) => s + (l - mean) ** 2, 0) / load.length;
  return {
    tokensPerExpert: [...load],
    cv: mean > 0 ? Math.sqrt(variance) / mean : 0,
    maxOverMean: mean > 0 ? Math.max(...load) / mean : 0,
    droppedFraction: slots > 0 ? dropped / slots : 0,
  };
}
