import * as fs from 'node:fs';

/**
 * The 'onnxruntime' profile reproduces the kernels ONNX Runtime's MLAS picks on x86-64 with AVX2 and FMA3 (QLinearAdd,
 * the logistic) and AVX-512F (softmax); on a CPU without them ORT computes these ops with other kernels, and their
 * results can differ in the last bit. The reason to skip the bit-for-bit comparisons with ORT there, or false where
 * this CPU has every flag (read from /proc/cpuinfo; elsewhere the flags are unknown and the comparisons are skipped).
 */
export function ortKernelsDiffer(flags: readonly string[] = ['avx2', 'fma', 'avx512f']): string | false {
  let info = '';
  try {
    info = fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return 'the CPU flags are unknown (no /proc/cpuinfo): ONNX Runtime may pick other kernels than the profile reproduces';
  }
  const have = new Set((/^flags\s*:(.*)$/m.exec(info)?.[1] ?? '').trim().split(/\s+/));
  const missing = flags.filter((f) => !have.has(f));
  return missing.length === 0 ? false
    : `this CPU lacks ${missing.join(', ')}: ONNX Runtime picks other kernels than the 'onnxruntime' profile reproduces`;
}
