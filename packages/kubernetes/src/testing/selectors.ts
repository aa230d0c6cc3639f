/**
 * Label and field selectors as the apiserver parses them (k8s.io/apimachinery pkg/labels/selector.go,
 * pkg/fields/selector.go): comma-separated requirements, all of which must hold.
 * Labels: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`.
 * Fields: `k=v`, `k==v`, `k!=v` over a fixed set of field names per resource.
 */

export type Labels = Readonly<Record<string, string>>;

type Requirement =
  | { readonly key: string; readonly op: 'in' | 'notin'; readonly values: readonly string[] }
  | { readonly key: string; readonly op: 'exists' | 'doesnotexist' };

export type Selector = (labels: Labels) => boolean;

export class SelectorError extends Error {}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function parseLabelSelector(text: string): Selector {
  const requirements = splitRequirements(text).map(parseLabelRequirement);
  return (labels) => requirements.every((requirement) => matches(requirement, labels));
}

function matches(requirement: Requirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  switch (requirement.op) {
    case 'exists':
      return has;
    case 'doesnotexist':
      return !has;
    case 'in':
      return has && requirement.values.includes(labels[requirement.key]!);
    case 'notin':
      // As in apimachinery: a missing key satisfies `notin` and `!=`.
      return !has || !requirement.values.includes(labels[requirement.key]!);
  }
}

/** Splits on commas outside parentheses. */
function splitRequirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  const trimmed = parts.map((part) => part.trim());
  if (trimmed.length === 1 && trimmed[0] === '') return [];
  if (trimmed.some((part) => part === '')) throw new SelectorError(`unable to parse requirement: found '', expected: identifier`);
  return trimmed;
}

function parseLabelRequirement(text: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
  if (set !== null) {
    const values = set[3]!.split(',').map((value) => value.trim());
    if (values.length === 0 || values.some((value) => value === '')) {
      throw new SelectorError(`unable to parse requirement: for 'in', 'notin' operators, values set can't be empty`);
    }
    return { key: checkKey(set[1]!), op: set[2] as 'in' | 'notin', values: values.map(checkValue) };
  }
  const equality = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (equality !== null) {
    const key = checkKey(equality[1]!);
    const value = checkValue(equality[3]!);
    return { key, op: equality[2] === '!=' ? 'notin' : 'in', values: [value] };
  }
  const absent = /^!\s*(\S+)$/.exec(text);
  if (absent !== null) return { key: checkKey(absent[1]!), op: 'doesnotexist' };
  if (/^\S+$/.test(text)) return { key: checkKey(text), op: 'exists' };
  throw new SelectorError(`unable to parse requirement: ${text}`);
}

function checkKey(key: string): string {
  const name = key.includes('/') ? key.slice(key.indexOf('/') + 1) : key;
  if (!LABEL_KEY.test(key) || name.length > 63) throw new SelectorError(`unable to parse requirement: invalid label key "${key}"`);
  return key;
}

function checkValue(value: string): string {
  if (!LABEL_VALUE.test(value) || value.length > 63) throw new SelectorError(`unable to parse requirement: invalid label value: "${value}"`);
  return value;
}

export interface FieldRequirement {
  readonly field: string;
  readonly negate: boolean;
  readonly value: string;
}

/** Parses a field selector; `known` names the fields this resource can select on. */
export function parseFieldSelector(text: string, known: readonly string[], unknownMessage: (field: string) => string): Selector {
  const requirements: FieldRequirement[] = splitRequirements(text).map((part) => {
    const match = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (match === null) throw new SelectorError(`invalid selector: '${text}'; can't understand '${part}'`);
    return { field: match[1]!, negate: match[2] === '!=', value: match[3]!.trim() };
  });
  for (const requirement of requirements) {
    if (!known.includes(requirement.field)) throw new SelectorError(unknownMessage(requirement.field));
  }
  return (fields) => requirements.every(({ field, negate, value }) => ((fields[field] ?? '') === value) !== negate);
}
