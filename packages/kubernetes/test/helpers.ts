/** Small HTTP helpers for the emulator tests: the wire as a client sees it, through Node's fetch (undici). */
import type { KubernetesEmulator } from '../src/testing/index.js';

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

export async function get(kube: KubernetesEmulator, path: string, token: string | null = kube.token): Promise<Answer> {
  const response = await fetch(`${kube.url}${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  if ((response.headers.get('content-type') ?? '').includes('json')) json = JSON.parse(text) as Record<string, unknown>;
  return { status: response.status, headers: response.headers, text, json };
}

export function items(answer: Answer): Array<Record<string, unknown> & { metadata: { name: string; labels?: Record<string, string> } }> {
  return answer.json['items'] as Array<Record<string, unknown> & { metadata: { name: string } }>;
}

export function names(answer: Answer): string[] {
  return items(answer).map((item) => item.metadata.name);
}

/** Reads a streaming body chunk by chunk until `done(text so far)` or the stream ends. */
export async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  done: (text: string) => boolean,
  sofar = '',
): Promise<{ text: string; ended: boolean }> {
  const decoder = new TextDecoder();
  let text = sofar;
  while (!done(text)) {
    const chunk = await reader.read();
    if (chunk.done) return { text, ended: true };
    text += decoder.decode(chunk.value, { stream: true });
  }
  return { text, ended: false };
}

export function lineCount(text: string): number {
  return text.split('\n').filter((line) => line !== '').length;
}
