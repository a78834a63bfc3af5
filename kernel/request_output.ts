import type { JsonObject } from './message';
import type { OutputSink } from './output_sink';

/** Publishes an iopub message whose parent is one request. */
export type PublishForRequest = (msgType: string, content: JsonObject) => void;

/** The OutputSink of one request: each output becomes the matching iopub message, parented to the request. */
export function requestOutput(publish: PublishForRequest): OutputSink {
  return {
    stream: (name, text) => publish('stream', { name, text }),
    display: (bundle, displayId, update) =>
      publish(update ? 'update_display_data' : 'display_data', { data: bundle, metadata: {}, transient: { display_id: displayId } }),
    clearOutput: (wait) => publish('clear_output', { wait }),
  };
}
