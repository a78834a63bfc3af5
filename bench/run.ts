/**
 * `npm run bench`: Quantscope's calibration against PyTorch's observers on the same seeded tensor, in the same run.
 *
 *   npm run bench [-- --repeat 50]
 *
 * The tensor is 1x64x56x56 (an early CNN activation): standard normal values plus 0.01 % outliers in +-[8, 40].
 * PyTorch (Debian's python3-torch, one thread) runs between two Quantscope passes, and each Quantscope figure is
 * the mean of its two medians, so a machine that slows down mid-run shifts both sides alike. Without torch the
 * Quantscope figures are printed alone. Targets (the foundation issue): histogram collection >= 2x faster than
 * HistogramObserver.forward, the L2 search >= 2x faster than calculate_qparams, every range method < 5 ms.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addToHistogram, emptyHistogram, histogramBins } from '../src/calibration/histogram';
import { histogramObserver } from '../src/calibration/histogram_observer';
import { rangeMethods } from '../src/calibration/methods';
import { minMaxObserver } from '../src/calibration/minmax_observer';
import { qparamsFromRange } from '../src/qparams';
import { int8Activations } from '../src/scheme';
import { mulberry32, normals } from '../test/support/random';
import { time, type Timing } from './timing';

const SHAPE = [1, 64, 56, 56];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`bench: --${name} needs a positive integer, got ${process.argv[i + 1]}`);
  return v;
}

function benchTensor(): Float32Array {
  const x = normals(2024, SHAPE.reduce((a, b) => a * b, 1));
  const rand = mulberry32(7);
  for (let i = 0; i < x.length; i += 10000) x[i] = (rand() < 0.5 ? -1 : 1) * (8 + 32 * rand());
  return x;
}

function quantscopeTimings(x: Float32Array, repeats: number): Record<string, Timing> {
  const observer = histogramObserver();
  const once = observer.collect(observer.empty(), x);
  const bins = histogramBins(once);
  const l2 = histogramObserver({ method: rangeMethods.l2() });
  const minmax = minMaxObserver();
  return {
    histogram_forward_first: time(() => observer.collect(observer.empty(), x), repeats),
    histogram_forward_second: time(() => observer.collect(once, x), repeats),
    histogram_forward_first_typescript_loops: time(() => addToHistogram(emptyHistogram(), x, { kernels: null }), repeats),
    histogram_calculate_qparams: time(() => qparamsFromRange(l2.range(once), int8Activations), repeats),
    minmax_forward: time(() => minmax.collect(minmax.empty(), x), repeats),
    'percentile 99.99 (two-sided)': time(() => rangeMethods.percentile(99.99)(bins), repeats),
    'percentile 99.99 (abs x)': time(() => rangeMethods.percentile(99.99, 'abs')(bins), repeats),
    'entropy (TensorRT KL)': time(() => rangeMethods.entropy()(bins), repeats),
    'MSE (symmetric)': time(() => rangeMethods.mse({ symmetric: true })(bins), repeats),
    'MSE (asymmetric)': time(() => rangeMethods.mse()(bins), repeats),
    'L2 (PyTorch search)': time(() => rangeMethods.l2()(bins), repeats),
  };
}

function torchTimings(x: Float32Array, repeats: number): { version: string; results: Record<string, { median_ms: number }> } | string {
  const file = path.join(os.tmpdir(), `quantscope-bench-${process.pid}.f32`);
  fs.writeFileSync(file, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
  try {
    const out = execFileSync('/usr/bin/python3', [path.resolve(__dirname, '../../bench/torch_observers.py'), file, SHAPE.join(','), '--repeat', String(repeats)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const parsed = JSON.parse(out);
    return { version: parsed.torch_version, results: parsed.results };
  } catch (err) {
    return `PyTorch peer unavailable (${err instanceof Error ? err.message.split('\n')[0] : err}); install python3-torch to compare`;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function main(): void {
  const repeats = arg('repeat', 50);
  const x = benchTensor();
  const before = quantscopeTimings(x, repeats);
  const torch = torchTimings(x, repeats);
  const after = quantscopeTimings(x, repeats);
  const ours = (k: string) => (before[k].medianMs + after[k].medianMs) / 2;
  console.log(`Tensor ${SHAPE.join('x')} (${x.length} values), ${repeats} timed runs per figure, node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}`);
  const rows: string[] = ['| work | Quantscope ms | PyTorch ms | speed-up | target |', '| --- | ---: | ---: | ---: | --- |'];
  const paired: [string, string, string][] = [
    ['histogram collection, first batch', 'histogram_forward_first', '>= 2x'],
    ['histogram collection, next batch', 'histogram_forward_second', '>= 2x'],
    ['L2 range + qparams (calculate_qparams)', 'histogram_calculate_qparams', '>= 2x'],
    ['min/max observer', 'minmax_forward', ''],
  ];
  for (const [label, key, target] of paired) {
    const theirs = typeof torch === 'string' ? undefined : torch.results[key]?.median_ms;
    rows.push(`| ${label} | ${ours(key).toFixed(3)} | ${theirs?.toFixed(3) ?? '-'} | ${theirs ? `${(theirs / ours(key)).toFixed(2)}x` : '-'} | ${target} |`);
  }
  rows.push(`| histogram collection, TypeScript reference loops | ${ours('histogram_forward_first_typescript_loops').toFixed(3)} | | | |`);
  for (const key of Object.keys(before).filter((k) => !k.includes('_'))) {
    rows.push(`| ${key}, 2048-bin histogram | ${ours(key).toFixed(3)} | | | < 5 ms |`);
  }
  console.log(typeof torch === 'string' ? torch : `PyTorch ${torch.version}, 1 thread`);
  console.log(rows.join('\n'));
  const misses = paired.filter(([, key, target]) => target && typeof torch !== 'string' && torch.results[key] && torch.results[key].median_ms / ours(key) < 2)
    .map(([label]) => label)
    .concat(Object.keys(before).filter((k) => !k.includes('_') && ours(k) >= 5));
  if (misses.length > 0) console.log(`\nMissed targets: ${misses.join('; ')}`);
}

main();
