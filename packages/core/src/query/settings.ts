// Provider settings, read the same way for every provider: environment variables a definition
// declares, overridden by the caller's settings (the CLI's flags arrive here), parsed by the
// definition's zod/mini schema. Whatever is wrong becomes one InvalidInput line naming the provider
// and the key. Core never imports zod at run time (it would install zod's globals in the caller's
// process): it only calls the schema's own `safeParse`.
import path from 'node:path';
import { invalidInput } from '../errors.js';
import type { AnyProviderDefinition, SettingOption } from '../spec/v2.js';

/** What a schema's `safeParse` returns (zod's shape, narrowed to what is read here). */
interface ParseResult {
  readonly success: boolean;
  readonly data?: unknown;
  readonly error?: { readonly issues: readonly Issue[] };
}

interface Issue {
  readonly code?: string;
  readonly path?: readonly PropertyKey[];
  readonly message?: string;
  readonly expected?: string;
  readonly keys?: readonly string[];
  readonly values?: readonly unknown[];
  readonly minimum?: number | bigint;
  readonly maximum?: number | bigint;
}

/** A setting given as text (a flag, an environment variable) turned into its declared type. */
export function settingValue(option: SettingOption, text: string, from: string): unknown {
  switch (option.type ?? 'string') {
    case 'number': {
      const value = Number(text.trim());
      if (text.trim() === '' || !Number.isFinite(value)) throw invalidInput(`${from}: '${text}' is not a number`);
      return value;
    }
    case 'boolean':
      if (/^(1|true|yes|on)$/i.test(text.trim())) return true;
      if (/^(0|false|no|off)$/i.test(text.trim())) return false;
      throw invalidInput(`${from}: '${text}' is not true or false`);
    case 'list':
      return text.split(',').map((s) => s.trim()).filter(Boolean);
    case 'paths':
      return text.split(path.delimiter).filter(Boolean);
    default:
      return text;
  }
}

/**
 * The parsed settings of one provider: its declared environment variables, then the caller's
 * settings on top, through its schema.
 */
export function resolveSettings(definition: AnyProviderDefinition, given: Readonly<Record<string, unknown>> | undefined, env: Readonly<Record<string, string | undefined>>): unknown {
  const input: Record<string, unknown> = {};
  for (const option of definition.settings.options) {
    if (!option.env) continue;
    const name = option.env.find((n) => env[n] !== undefined && env[n] !== '');
    if (name !== undefined) input[option.key] = settingValue(option, env[name]!, name);
  }
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    throw invalidInput(`invalid settings for provider '${definition.id}': expected an object`);
  }
  for (const [key, value] of Object.entries(given ?? {})) if (value !== undefined) input[key] = value;
  const result = definition.settings.schema.safeParse(input) as ParseResult;
  if (result.success) return result.data;
  const issue = result.error?.issues[0];
  throw invalidInput(`invalid settings for provider '${definition.id}': ${describeIssue(issue, definition.settings.options)}`);
}

/** One issue in words: where, and what was expected. zod/mini ships no messages unless configured. */
function describeIssue(issue: Issue | undefined, options: readonly SettingOption[]): string {
  if (!issue) return 'rejected by its schema';
  const key = (issue.path ?? []).map(String).join('.');
  const option = options.find((o) => o.key === (issue.path ?? [])[0]);
  const where = key === '' ? '' : `${key}${option?.flag ? ` (--${option.flag})` : ''}: `;
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown setting${issue.keys && issue.keys.length > 1 ? 's' : ''} ${(issue.keys ?? []).map((k) => `'${k}'`).join(', ')}${options.length > 0 ? ` (known: ${[...new Set(options.map((o) => o.key))].join(', ')})` : ''}`;
    case 'invalid_type':
      return `${where}expected ${issue.expected ?? 'another type'}`;
    case 'invalid_value':
      return `${where}expected one of ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `${where}must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `${where}must be at most ${String(issue.maximum)}`;
    default:
      return `${where}${issue.message && issue.message !== 'Invalid input' ? issue.message : `invalid (${issue.code ?? 'rejected'})`}`;
  }
}
