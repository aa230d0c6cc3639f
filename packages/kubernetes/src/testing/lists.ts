/**
 * Collection reads: `labelSelector`, `fieldSelector`, and chunked lists with `limit` + `continue`
 * (k8s.io/apimachinery pkg/apis/meta/v1/types.go ListOptions/ListMeta). Every page of a chunked list
 * comes from the snapshot of its first page; once that revision is compacted or too old, `continue`
 * answers 410 Expired with a token that resumes from the next key on the latest state
 * (k8s.io/apiserver pkg/storage/etcd3/errors.go). `watch=true` streams changes instead (watch.ts).
 */
import { sendJson, sendStatus, statusBody } from './http.js';
import { SelectorError, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { apiVersionOf } from './resources.js';
import { serveWatch } from './watch.js';

import type { Exchange } from './http.js';
import type { KubeObject, ResourceType } from './resources.js';
import type { ObjectStore } from './store.js';

const INCONSISTENT_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without ' +
  'the continue parameter, or use the continue token in this response to retrieve the remainder of the results. ' +
  'Continuing with the provided token results in an inconsistent list - objects that were created, modified, or ' +
  'deleted between the time the first chunk was returned and now may show up in the list.';

interface ContinueToken {
  /** Snapshot revision; -1 continues on the latest state (a token handed out with a 410). */
  readonly rv: number;
  /** The first key of the next page. */
  readonly start: string;
}

export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.rv, start: token.start }), 'utf8').toString('base64url');
}

function decodeContinue(text: string): ContinueToken | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (parsed['v'] !== 'meta.k8s.io/v1' || typeof parsed['rv'] !== 'number' || typeof parsed['start'] !== 'string') return undefined;
    return { rv: parsed['rv'], start: parsed['start'] };
  } catch {
    return undefined;
  }
}

export interface ListSettings {
  /** A snapshot older than this (clock ms) can no longer be continued. */
  readonly continueTtlMs: number;
  readonly clock: () => number;
  /** Fault injection: expire this continue request whatever its age. */
  readonly forceExpire: boolean;
}

export function serveList(exchange: Exchange, type: ResourceType, namespace: string | undefined, store: ObjectStore, settings: ListSettings): void {
  const query = exchange.url.searchParams;
  let labelMatch: (object: KubeObject) => boolean;
  let fieldMatch: (object: KubeObject) => boolean;
  try {
    const labels = parseLabelSelector(query.get('labelSelector') ?? '');
    const fields = parseFieldSelector(query.get('fieldSelector') ?? '', type.fieldNames, type.unknownField);
    labelMatch = (object) => labels(object.metadata.labels ?? {});
    fieldMatch = (object) => fields(type.fields(object));
  } catch (error) {
    if (!(error instanceof SelectorError)) throw error;
    sendStatus(exchange, 400, 'BadRequest', error.message);
    return;
  }
  const decorate = (object: KubeObject): Record<string, unknown> => (type.builtin ? object : { apiVersion: apiVersionOf(type), kind: type.kind, ...object });
  if (query.get('watch') === 'true' || query.get('watch') === '1') {
    serveWatch(exchange, type, namespace, store, (object) => labelMatch(object) && fieldMatch(object), (object) => ({ apiVersion: apiVersionOf(type), kind: type.kind, ...object }));
    return;
  }
  const limitText = query.get('limit');
  const limit = limitText === null ? 0 : Number(limitText);
  if (!Number.isInteger(limit)) {
    sendStatus(exchange, 400, 'BadRequest', `invalid value for limit: strconv.ParseInt: parsing "${limitText}": invalid syntax`);
    return;
  }
  const continueText = query.get('continue');
  let rv = store.currentRevision;
  let start = '';
  if (continueText !== null && continueText !== '') {
    const token = decodeContinue(continueText);
    if (token === undefined) {
      sendStatus(exchange, 400, 'BadRequest', 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
      return;
    }
    start = token.start;
    if (token.rv !== -1) {
      const writtenAt = store.timeOf(token.rv);
      const tooOld = writtenAt === undefined || settings.clock() - writtenAt > settings.continueTtlMs;
      if (settings.forceExpire || token.rv < store.compactedRevision || tooOld) {
        exchange.record.status = 410;
        sendJson(exchange, 410, statusBody(410, 'Expired', INCONSISTENT_CONTINUE, undefined, {
          continue: encodeContinue({ rv: -1, start }),
        }));
        return;
      }
      rv = token.rv;
    }
  }
  const filtering = query.has('labelSelector') || query.has('fieldSelector');
  const all = store.list(type, namespace, rv).filter(([key]) => key >= start);
  const page: KubeObject[] = [];
  let next: string | undefined;
  let scanned = 0;
  for (const [key, object] of all) {
    if (limit > 0 && page.length === limit) {
      next = key;
      break;
    }
    scanned += 1;
    if (labelMatch(object) && fieldMatch(object)) page.push(object);
  }
  const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
  if (next !== undefined) {
    // After a 410 the list goes on from the latest state, so later pages are read at this revision.
    metadata['continue'] = encodeContinue({ rv, start: next });
    if (!filtering) metadata['remainingItemCount'] = all.length - scanned;
  }
  sendJson(exchange, 200, {
    kind: `${type.kind}List`,
    apiVersion: apiVersionOf(type),
    metadata,
    items: page.map(decorate),
  });
}

export function serveGet(exchange: Exchange, type: ResourceType, object: KubeObject): void {
  sendJson(exchange, 200, { apiVersion: apiVersionOf(type), kind: type.kind, ...object });
}
