/** Median and minimum wall time of a function, after untimed warm-up runs. */
export interface Timing {
  readonly medianMs: number;
  readonly minMs: number;
  readonly repeats: number;
}

export function time(run: () => unknown, repeats: number, warmup = 5): Timing {
  for (let i = 0; i < warmup; i++) run();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { medianMs: samples[Math.floor(samples.length / 2)], minMs: samples[0], repeats };
}
