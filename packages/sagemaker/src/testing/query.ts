// CloudWatch's older awsQuery protocol (form-encoded `Action=GetMetricData&Version=2010-08-01`,
// XML answers), still spoken by client-cloudwatch <= 3.948 and AWS CLI 2.9.x. The emulator maps it
// onto the same operations as the JSON 1.0 protocol.

import { isObject } from './wire.js';
import type { JsonObject } from './wire.js';

const NAMESPACE = 'http://monitoring.amazonaws.com/doc/2010-08-01/';
const NUMERIC = new Set(['Period', 'MaxDatapoints']);
const TIMESTAMPS = new Set(['StartTime', 'EndTime']);

/** A form-encoded body with an `Action`, or undefined when the request is not awsQuery. */
export function parseQueryRequest(contentType: string | undefined, raw: Buffer): { action: string; input: JsonObject } | undefined {
  if (!contentType?.startsWith('application/x-www-form-urlencoded')) return undefined;
  const form = new URLSearchParams(raw.toString('utf8'));
  const action = form.get('Action');
  if (!action) return undefined;
  const input: JsonObject = {};
  for (const [name, value] of form) {
    if (name !== 'Action' && name !== 'Version') assign(input, name.split('.'), value);
  }
  return { action, input };
}

/** Sets `A.member.1.B=v` as `{ A: [{ B: v }] }`, typing the numbers, booleans and times the JSON handlers expect. */
function assign(root: JsonObject, path: string[], value: string): void {
  let node: Record<string | number, unknown> = root;
  for (let i = 0; i < path.length; i += 1) {
    const segment = path[i] ?? '';
    // `member` marks a list; the next segment is a 1-based index.
    if (segment === 'member') continue;
    const key = Array.isArray(node) ? Number(segment) - 1 : segment;
    if (i === path.length - 1) {
      node[key] = TIMESTAMPS.has(segment) ? Date.parse(value) / 1000 : NUMERIC.has(segment) ? Number(value) : segment === 'ReturnData' ? value === 'true' : value;
      return;
    }
    node = (node[key] ??= path[i + 1] === 'member' ? [] : {}) as Record<string | number, unknown>;
  }
}

export function queryResponse(action: string, output: JsonObject, requestId: string): string {
  return `<${action}Response xmlns="${NAMESPACE}"><${action}Result>${toXml(output)}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

export function queryError(code: string, message: string, status: number, requestId: string): string {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${type}</Type><Code>${escape(code)}</Code><Message>${escape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

function toXml(value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('');
  if (value instanceof Date) return value.toISOString();
  if (isObject(value)) {
    return Object.entries(value)
      .filter(([, child]) => child !== undefined)
      .map(([name, child]) => `<${name}>${toXml(child)}</${name}>`)
      .join('');
  }
  return escape(String(value));
}

function escape(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[char]};`);
}
