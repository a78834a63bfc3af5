/** The sockets a kernel talks on, as frames in and frames out: the wire layer's view of ZeroMQ. */
export type ChannelName = 'shell' | 'control' | 'stdin' | 'iopub';

export interface Transport {
  /** Starts delivering incoming frame lists of a ROUTER channel to `handler`, in arrival order. */
  onFrames(channel: 'shell' | 'control' | 'stdin', handler: (frames: Buffer[]) => void): void;
  /** Queues frames for sending; frames queued on one channel leave in order. */
  send(channel: ChannelName, frames: Buffer[]): void;
  /** Resolves when everything queued so far has been handed to ZeroMQ. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
