/**
 * `watch=true` on a collection (kubernetes.io/docs/reference/using-api/api-concepts/, "Efficient
 * detection of changes"; meta/v1 WatchEvent): a chunked stream of one JSON object per line,
 * `{"type":"ADDED"|"MODIFIED"|"DELETED"|"ERROR","object":…}`; DELETED carries the object's last
 * state. Without `resourceVersion` (or with "0") the stream starts with an ADDED for every existing
 * object; from a compacted revision it sends one ERROR event holding a 410 Expired Status and ends
 * (apiserver pkg/storage/etcd3/errors.go: "The resourceVersion for the provided watch is too old.").
 * `timeoutSeconds` ends the stream. Bookmarks are not sent (the server may choose not to).
 */
import { statusBody } from './http.js';

import type { Exchange } from './http.js';
import type { KubeObject, ResourceType } from './resources.js';
import type { ObjectStore } from './store.js';

export function serveWatch(
  exchange: Exchange,
  type: ResourceType,
  namespace: string | undefined,
  store: ObjectStore,
  matches: (object: KubeObject) => boolean,
  decorate: (object: KubeObject) => Record<string, unknown>,
): void {
  const { res, record, url } = exchange;
  const rvText = url.searchParams.get('resourceVersion') ?? '';
  const timeoutText = url.searchParams.get('timeoutSeconds');
  record.status = 200;
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  res.flushHeaders();
  const send = (event: string, object: Record<string, unknown>): void => {
    const line = `${JSON.stringify({ type: event, object })}\n`;
    record.bytesSent += Buffer.byteLength(line);
    res.write(line);
  };
  let sent: number;
  if (rvText === '' || rvText === '0') {
    for (const [, object] of store.list(type, namespace)) if (matches(object)) send('ADDED', decorate(object));
    sent = store.currentRevision;
  } else {
    const from = Number(rvText);
    if (!Number.isInteger(from) || from < store.compactedRevision) {
      send('ERROR', statusBody(410, 'Expired', 'The resourceVersion for the provided watch is too old.'));
      res.end();
      return;
    }
    sent = from;
  }
  const flush = (): void => {
    for (const change of store.changesSince(type, namespace, sent)) {
      sent = change.rv;
      if (change.object === null) {
        if (change.previous !== null && matches(change.previous)) {
          send('DELETED', decorate({ ...change.previous, metadata: { ...change.previous.metadata, resourceVersion: String(change.rv) } }));
        }
      } else if (matches(change.object)) {
        send(change.previous === null ? 'ADDED' : 'MODIFIED', decorate(change.object));
      } else if (change.previous !== null && matches(change.previous)) {
        // It left the selection: watchers see that as a deletion.
        send('DELETED', decorate(change.object));
      }
    }
  };
  flush();
  const onChange = (changed: ResourceType): void => {
    if (changed === type) flush();
  };
  store.changes.on('change', onChange);
  const timer = timeoutText === null ? undefined : setTimeout(() => res.end(), Number(timeoutText) * 1000);
  timer?.unref();
  res.on('close', () => {
    store.changes.off('change', onChange);
    if (timer !== undefined) clearTimeout(timer);
  });
}
