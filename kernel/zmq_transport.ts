import * as zmq from 'zeromq';
import { channelAddress, type ConnectionInfo } from './connection_info';
import { startHeartbeat, type Heartbeat } from './heartbeat';
import type { ChannelName, Transport } from './transport';

/**
 * Binds the kernel's ZeroMQ sockets. Sends go through one queue per socket because a zeromq.js socket accepts only
 * one pending send at a time (a second throws EBUSY). The heartbeat echoes on a worker thread so a cell that blocks
 * the main thread does not make the kernel look dead.
 */
export async function openZmqTransport(info: ConnectionInfo): Promise<Transport> {
  const routers = { shell: new zmq.Router(), control: new zmq.Router(), stdin: new zmq.Router() };
  const iopub = new zmq.Publisher();
  const sockets: Record<ChannelName, zmq.Router | zmq.Publisher> = { ...routers, iopub };
  for (const s of Object.values(sockets)) s.linger = 1000;
  await Promise.all([
    routers.shell.bind(channelAddress(info, 'shell_port')),
    routers.control.bind(channelAddress(info, 'control_port')),
    routers.stdin.bind(channelAddress(info, 'stdin_port')),
    iopub.bind(channelAddress(info, 'iopub_port')),
  ]);
  const heartbeat: Heartbeat = await startHeartbeat(channelAddress(info, 'hb_port'));

  const queues = new Map<ChannelName, SendQueue>();
  for (const name of Object.keys(sockets) as ChannelName[]) queues.set(name, new SendQueue(sockets[name]));
  let closed = false;

  const flush = async (): Promise<void> => {
    await Promise.all([...queues.values()].map((q) => q.drained()));
  };
  return {
    onFrames(channel, handler) {
      const socket = routers[channel];
      void (async () => {
        try {
          for await (const frames of socket) handler(frames);
        } catch (err) {
          if (!closed) process.stderr.write(`quantscope kernel: ${channel} socket stopped: ${(err as Error).message}\n`);
        }
      })();
    },
    send(channel, frames) {
      if (!closed) queues.get(channel)?.push(frames);
    },
    flush,
    async close() {
      if (closed) return;
      await flush();
      closed = true;
      for (const s of Object.values(sockets)) s.close();
      await heartbeat.stop();
    },
  };
}

class SendQueue {
  private readonly pending: Buffer[][] = [];
  private running: Promise<void> | null = null;

  constructor(private readonly socket: zmq.Router | zmq.Publisher) {}

  push(frames: Buffer[]): void {
    this.pending.push(frames);
    if (this.running === null) this.running = this.run();
  }

  drained(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async run(): Promise<void> {
    for (let frames = this.pending.shift(); frames !== undefined; frames = this.pending.shift()) {
      try {
        await this.socket.send(frames);
      } catch (err) {
        // A ROUTER drops messages to peers that went away (EHOSTUNREACH with ROUTER_MANDATORY); never fatal.
        process.stderr.write(`quantscope kernel: send failed: ${(err as Error).message}\n`);
      }
    }
    this.running = null;
  }
}
