#!/usr/bin/env node
/**
 * The quantscope kernel's entry point: `node build/kernel/main.js --connection-file FILE`, as the kernelspec's argv
 * says. Wires the ZeroMQ transport, the protocol (Kernel) and the TypeScript executor together.
 */
import * as util from 'node:util';
import { createCellApi } from './cell_api';
import { CommManager } from './comm_manager';
import { readConnectionInfo } from './connection_info';
import { Kernel } from './kernel';
import { kernelInfoContent } from './kernel_info';
import { newKernelIdentity } from './message';
import { OutputRouter } from './output_router';
import { installProcessGuards } from './process_guards';
import { viewAwareBundleOf } from './view_display';
import { QUANTSCOPE_COMM_TARGET, quantscopeCommTarget, ViewRegistry } from './quantscope_comm_target';
import { createSigner } from './signer';
import { startExecutor } from './start_executor';
import { openZmqTransport } from './zmq_transport';

function log(text: string): void {
  process.stderr.write(`[quantscope kernel] ${text}\n`);
}

function connectionFileArgument(argv: readonly string[]): string {
  const i = argv.findIndex((a) => a === '--connection-file' || a === '-f');
  const file = i >= 0 ? argv[i + 1] : argv.find((a) => !a.startsWith('-'));
  if (file === undefined) throw new Error('quantscope kernel: missing argument --connection-file FILE (Jupyter passes {connection_file})');
  return file;
}

async function main(): Promise<void> {
  const info = readConnectionInfo(connectionFileArgument(process.argv.slice(2)));
  const signer = createSigner(info.signature_scheme, info.key);
  const transport = await openZmqTransport(info);
  const router = new OutputRouter();
  const views = new ViewRegistry();
  let kernel: Kernel | null = null;
  // Errors that escape a cell (a timer that throws, a promise nobody awaits) are shown in the most recent cell and
  // never end the kernel.
  const guards = installProcessGuards((kind, err) => {
    router.current.stream('stderr', `${kind}: ${err instanceof Error ? err.stack ?? err.message : util.inspect(err)}\n`);
  });
  const bundleOf = viewAwareBundleOf(views);
  const cellApi = createCellApi({ router, views, bundleOf, currentSignal: () => kernel?.signal ?? new AbortController().signal });
  kernel = new Kernel({
    transport,
    signer,
    identity: newKernelIdentity(),
    router,
    bundleOf,
    comms: (publish) => {
      const manager = new CommManager(publish, (text) => log(`comm: ${text}`));
      manager.registerTarget(QUANTSCOPE_COMM_TARGET, quantscopeCommTarget(views));
      return manager;
    },
    startExecutor: () => startExecutor({ rootDir: process.cwd(), router, cellApi, log }),
    afterExecute: () => guards.reassert(),
    kernelInfo: kernelInfoContent,
    log,
    onShutdown: () => {
      void transport.close().finally(() => process.exit(0));
      // Timers left by cells must not keep a shut-down kernel alive.
      setTimeout(() => process.exit(0), 2000).unref();
    },
  });
  const k = kernel;
  // A running synchronous cell is stopped by vm's breakOnSigint; this handler interrupts awaiting cells (and keeps
  // SIGINT from killing the process when nothing runs).
  process.on('SIGINT', () => k.interrupt());
  // Errors that escape a cell (a timer that throws, a promise nobody awaits) are shown in the most recent cell and
  // never end the kernel.
  k.start();
  // If no client asks for kernel_info soon, start the type-checker anyway.
  setTimeout(() => void k.warmUp(), 1000).unref();
}

main().catch((err: unknown) => {
  log(err instanceof Error ? err.stack ?? err.message : String(err));
  process.exit(1);
});
