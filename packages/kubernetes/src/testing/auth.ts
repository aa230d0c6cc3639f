/**
 * Bearer-token authentication and RBAC-style authorization. A denied request gets the apiserver's
 * 403 wording (k8s.io/apiserver pkg/endpoints/handlers/responsewriters/errors.go forbiddenMessage,
 * apimachinery apierrors.NewForbidden); a missing or unknown token gets 401 `Unauthorized`.
 */
import { timingSafeEqual } from 'node:crypto';

import type { IncomingMessage } from 'node:http';

export interface DenyRule {
  /** `pods`, `pods/log`, `events`, `pytorchjobs`… (resource or resource/subresource). */
  readonly resource: string;
  /** API group; default: any. */
  readonly group?: string;
  /** `get`, `list`, `watch`; default: any. */
  readonly verb?: string;
  /** Default: every namespace. */
  readonly namespace?: string;
}

export interface Attributes {
  readonly user: string;
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

/** The user a bearer token belongs to, or undefined. */
export function authenticate(req: IncomingMessage, tokens: ReadonlyMap<string, string>): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (match === null) return undefined;
  for (const [token, user] of tokens) if (safeEqual(token, match[1]!)) return user;
  return undefined;
}

export function denied(rules: readonly DenyRule[], attributes: Attributes): boolean {
  const resource = attributes.subresource === '' ? attributes.resource : `${attributes.resource}/${attributes.subresource}`;
  return rules.some((rule) =>
    rule.resource === resource &&
    (rule.group === undefined || rule.group === attributes.group) &&
    (rule.verb === undefined || rule.verb === attributes.verb) &&
    (rule.namespace === undefined || rule.namespace === attributes.namespace));
}

export function forbiddenMessage(attributes: Attributes): string {
  const resource = attributes.subresource === '' ? attributes.resource : `${attributes.resource}/${attributes.subresource}`;
  const reason = attributes.namespace === undefined
    ? `User "${attributes.user}" cannot ${attributes.verb} resource "${resource}" in API group "${attributes.group}" at the cluster scope`
    : `User "${attributes.user}" cannot ${attributes.verb} resource "${resource}" in API group "${attributes.group}" in the namespace "${attributes.namespace}"`;
  const qualified = attributes.group === '' ? attributes.resource : `${attributes.resource}.${attributes.group}`;
  return attributes.name === undefined ? `${qualified} is forbidden: ${reason}` : `${qualified} "${attributes.name}" is forbidden: ${reason}`;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
