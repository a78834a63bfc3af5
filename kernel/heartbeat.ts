import { Worker } from 'node:worker_threads';

export interface Heartbeat {
  stop(): Promise<void>;
}

// Runs in a worker thread: a REP socket that echoes every ping. The worker has its own event loop, so the echo keeps
// going while the main thread runs a long synchronous cell.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const zmq = require(workerData.zeromq);
const sock = new zmq.Reply();
sock.bind(workerData.address).then(async () => {
  parentPort.postMessage('bound');
  for await (const frames of sock) await sock.send(frames);
}, (err) => parentPort.postMessage('error: ' + err.message));
parentPort.on('message', (m) => { if (m === 'stop') { sock.close(); parentPort.postMessage('stopped'); } });
`;

/** Starts the heartbeat echo on `address`; resolves once it is bound. */
export function startHeartbeat(address: string): Promise<Heartbeat> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { address, zeromq: require.resolve('zeromq') } });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: unknown) => {
      if (m !== 'bound') {
        reject(new Error(`startHeartbeat: binding ${address} failed: ${String(m)}`));
        return;
      }
      resolve({
        stop: () =>
          new Promise<void>((done) => {
            worker.once('message', () => void worker.terminate().then(() => done()));
            worker.postMessage('stop');
          }),
      });
    });
  });
}
