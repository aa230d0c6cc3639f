/** Small node:http helpers shared by the routes: bodies, JSON/XML answers, routing. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: Buffer;
}

export interface Route {
  method: string;
  /** Named groups become params; `project` is checked against the caller's project. */
  pattern: RegExp;
  handle(exchange: Exchange, params: Record<string, string>): void | Promise<void>;
}

export function matchRoute(routes: readonly Route[], method: string, pathname: string) {
  for (const route of routes) {
    const m = route.pattern.exec(pathname);
    if (!m || route.method !== method) continue;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(m.groups ?? {})) params[name] = safeDecode(value);
    return { route, params };
  }
  return undefined;
}

/** Percent-decoding that leaves a malformed escape as it is instead of throwing. */
export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Gateway request-body limit (APIGW.0201 "Request entity too large" above 12 MB). */
const MAX_BODY_BYTES = 12 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function requestId(): string {
  return randomUUID().replace(/-/g, '');
}

const JSON_TYPE = 'application/json;charset=UTF-8';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

export function sendJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const payload = Buffer.from(text, 'utf8');
  res.writeHead(status, { ...headers, 'content-type': JSON_TYPE, 'content-length': String(payload.length) });
  res.end(payload);
}

/** 204 carries no body (HTTP forbids one); ModelArts uses it for "not ready yet". */
export function sendNoContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

export function sendXml(res: ServerResponse, status: number, xml: string, headers: Record<string, string> = {}): void {
  const payload = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`, 'utf8');
  res.writeHead(status, { ...headers, 'content-type': 'application/xml', 'content-length': String(payload.length) });
  res.end(payload);
}

/** `{"error_code":"ModelArts.xxxx","error_msg":"..."}`, the v2 service error body. */
export function sendModelartsError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error_code: code, error_msg: message });
}

/** Errors raised by API Gateway itself carry `request_id` and `server: api-gateway`. */
export function sendGatewayError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const id = requestId();
  sendJson(res, status, { error_msg: message, error_code: code, request_id: id }, { ...headers, 'x-request-id': id });
}

/**
 * JSON object text whose `raw` members are written verbatim: JSON.stringify cannot emit an
 * integer beyond 2^53 without rounding it, and the v1 log API sends 19-digit ones.
 */
export function jsonWithRawIntegers(members: Record<string, unknown>, raw: Record<string, string>): string {
  const parts = Object.entries(members).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  for (const [k, digits] of Object.entries(raw)) {
    if (!/^-?\d+$/.test(digits)) throw new Error(`not an integer literal: ${digits}`);
    parts.push(`${JSON.stringify(k)}:${digits}`);
  }
  return `{${parts.join(',')}}`;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Integer query parameter: `fallback` when absent, undefined when not an integer. */
export function intParam(url: URL, name: string, fallback: number): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  return /^-?\d+$/.test(raw) ? Number(raw) : undefined;
}
