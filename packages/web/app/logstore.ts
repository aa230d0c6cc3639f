// Log lines kept compactly outside the DOM: messages in one array, timestamps and node indexes in
// typed arrays that grow by doubling. A million lines cost the strings and 10 bytes each besides.
import type { LogLine } from './api.js';

export class LogStore {
  readonly messages: string[] = [];
  private times = new Float64Array(1024);
  private nodeIndex = new Uint16Array(1024);
  readonly nodes: string[] = [];
  private nodeIds = new Map<string, number>();
  /** Bumped on every change, so views know when to render. */
  version = 0;

  get length(): number {
    return this.messages.length;
  }

  append(batch: readonly LogLine[]): void {
    const needed = this.messages.length + batch.length;
    if (needed > this.times.length) {
      let size = this.times.length;
      while (size < needed) size *= 2;
      const times = new Float64Array(size);
      times.set(this.times);
      this.times = times;
      const nodes = new Uint16Array(size);
      nodes.set(this.nodeIndex);
      this.nodeIndex = nodes;
    }
    for (const line of batch) {
      const i = this.messages.length;
      this.messages.push(line.message);
      this.times[i] = line.timestamp;
      let id = this.nodeIds.get(line.node);
      if (id === undefined) {
        id = this.nodes.length;
        this.nodes.push(line.node);
        this.nodeIds.set(line.node, id);
      }
      this.nodeIndex[i] = id;
    }
    this.version++;
  }

  timestamp(i: number): number {
    return this.times[i]!;
  }

  node(i: number): string {
    return this.nodes[this.nodeIndex[i]!]!;
  }

  nodeId(i: number): number {
    return this.nodeIndex[i]!;
  }
}
