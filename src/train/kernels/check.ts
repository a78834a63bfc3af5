/** Checks a kernel input's shape; the error names the kernel, the input, and both shapes. */
export function checkShape(kernel: string, input: string, shape: readonly number[], expected: readonly number[]): void {
  if (shape.length !== expected.length || shape.some((n, i) => n !== expected[i])) {
    throw new Error(`${kernel}: input '${input}' has shape [${shape.join(', ')}]; expected [${expected.join(', ')}]`);
  }
}

/** The registered kernels compute in NHWC only. */
export function checkNhwc(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernel}: attribute 'dataFormat' was ${JSON.stringify(dataFormat)}; expected 'NHWC' (the only layout these kernels implement)`);
  }
}
