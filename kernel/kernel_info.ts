import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JsonObject } from './message';
import { PROTOCOL_VERSION } from './message';

function packageVersion(id: string): string {
  try {
    const file = require.resolve(`${id}/package.json`);
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    const version = typeof parsed === 'object' && parsed !== null ? (parsed as { version?: unknown }).version : undefined;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function quantscopeVersion(): string {
  // build/kernel/kernel_info.js -> the repository's package.json.
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8'));
    const version = typeof parsed === 'object' && parsed !== null ? (parsed as { version?: unknown }).version : undefined;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** kernel_info_reply's content. Read from package files rather than loading TypeScript, which takes half a second. */
export function kernelInfoContent(): JsonObject {
  const version = quantscopeVersion();
  const typescript = packageVersion('@tslab/typescript-for-tslab');
  return {
    status: 'ok',
    protocol_version: PROTOCOL_VERSION,
    implementation: 'quantscope',
    implementation_version: version,
    language_info: {
      name: 'typescript',
      version: typescript,
      mimetype: 'text/typescript',
      file_extension: '.ts',
      pygments_lexer: 'typescript',
      codemirror_mode: { name: 'javascript', typescript: true },
    },
    banner: `Quantscope ${version}: TypeScript ${typescript} on Node ${process.version} (tslab ${packageVersion('tslab')}).\n` +
      '`q` is the quantscope library and `tf` is @tensorflow/tfjs-core; q.describeBackend(backend) names the backend.',
    help_links: [],
    debugger: false,
  };
}
