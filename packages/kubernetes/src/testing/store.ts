/**
 * The emulator's object store: every write gets the next resourceVersion, and old versions are kept
 * (as etcd's MVCC does) so a paged list can be served from the snapshot of its first page until that
 * revision is compacted away.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';

import { typeKey } from './resources.js';

import type { KubeObject, ResourceType } from './resources.js';

interface Version {
  readonly rv: number;
  /** null: deleted at this revision. */
  readonly object: KubeObject | null;
}

export class ObjectStore {
  private revision = 1000;
  private compacted = 0;
  private readonly versions = new Map<string, Map<string, Version[]>>();
  /** When each revision was written (clock ms), to expire old snapshots. */
  private readonly revisionTimes = new Map<number, number>();
  readonly changes = new EventEmitter().setMaxListeners(0);

  constructor(private readonly clock: () => number) {
    this.revisionTimes.set(this.revision, clock());
  }

  get currentRevision(): number {
    return this.revision;
  }

  get compactedRevision(): number {
    return this.compacted;
  }

  timeOf(rv: number): number | undefined {
    // The time of the newest write at or before rv.
    let best: number | undefined;
    let bestRv = -1;
    for (const [candidate, time] of this.revisionTimes) {
      if (candidate <= rv && candidate > bestRv) {
        bestRv = candidate;
        best = time;
      }
    }
    return best;
  }

  /** Creates or replaces an object; fills uid, creationTimestamp and resourceVersion as the apiserver would. */
  put(type: ResourceType, object: KubeObject): KubeObject {
    const key = objectKey(object.metadata.namespace, object.metadata.name);
    const history = this.history(type, key);
    const previous = history.at(-1)?.object ?? null;
    this.revision += 1;
    this.revisionTimes.set(this.revision, this.clock());
    const stored: KubeObject = structuredClone(object);
    stored.metadata.uid ??= previous?.metadata.uid ?? stableUid(`${typeKey(type)}/${key}`);
    stored.metadata.creationTimestamp ??= previous?.metadata.creationTimestamp ?? rfc3339(this.clock());
    stored.metadata.resourceVersion = String(this.revision);
    history.push({ rv: this.revision, object: stored });
    this.changes.emit('change', type);
    return stored;
  }

  delete(type: ResourceType, namespace: string | undefined, name: string): boolean {
    const history = this.history(type, objectKey(namespace, name));
    if ((history.at(-1)?.object ?? null) === null) return false;
    this.revision += 1;
    this.revisionTimes.set(this.revision, this.clock());
    history.push({ rv: this.revision, object: null });
    this.changes.emit('change', type);
    return true;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.history(type, objectKey(namespace, name)).at(-1)?.object ?? undefined;
  }

  /** Objects as of revision `rv`, in key order (namespace/name), like an etcd range read. */
  list(type: ResourceType, namespace: string | undefined, rv: number = this.revision): Array<[string, KubeObject]> {
    const byKey = this.versions.get(typeKey(type)) ?? new Map<string, Version[]>();
    const items: Array<[string, KubeObject]> = [];
    for (const [key, history] of byKey) {
      if (namespace !== undefined && !key.startsWith(`${namespace}/`)) continue;
      let visible: Version | undefined;
      for (const version of history) if (version.rv <= rv) visible = version;
      if (visible?.object) items.push([key, visible.object]);
    }
    return items.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * Every change to `type` after revision `after`, in revision order: what a watch from `after`
   * replays. `previous` is the object before the change (for DELETED: its last state).
   */
  changesSince(type: ResourceType, namespace: string | undefined, after: number): Array<{ rv: number; object: KubeObject | null; previous: KubeObject | null }> {
    const out: Array<{ rv: number; object: KubeObject | null; previous: KubeObject | null }> = [];
    for (const [key, history] of this.versions.get(typeKey(type)) ?? []) {
      if (namespace !== undefined && !key.startsWith(`${namespace}/`)) continue;
      history.forEach((version, index) => {
        if (version.rv > after) out.push({ rv: version.rv, object: version.object, previous: history[index - 1]?.object ?? null });
      });
    }
    return out.sort((a, b) => a.rv - b.rv);
  }

  /** Forgets revisions before the current one, as etcd compaction does: older continue tokens expire. */
  compact(): void {
    this.compacted = this.revision;
    for (const byKey of this.versions.values()) {
      for (const [key, history] of byKey) {
        const last = history.at(-1);
        if (last === undefined) continue;
        if (last.object === null) byKey.delete(key);
        else byKey.set(key, [last]);
      }
    }
  }

  private history(type: ResourceType, key: string): Version[] {
    let byKey = this.versions.get(typeKey(type));
    if (byKey === undefined) {
      byKey = new Map();
      this.versions.set(typeKey(type), byKey);
    }
    let history = byKey.get(key);
    if (history === undefined) {
      history = [];
      byKey.set(key, history);
    }
    return history;
  }
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace === undefined ? name : `${namespace}/${name}`;
}

/** A UUID-shaped id derived from a seed, so scenarios are identical on every run. */
export function stableUid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** metav1.Time: RFC3339 in UTC, whole seconds (apimachinery pkg/apis/meta/v1/time.go MarshalJSON). */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
