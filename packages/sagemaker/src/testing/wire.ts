// Wire-level helpers shared by the emulated JSON services: service errors, input readers
// that fail the way the AWS validation layer does, and epoch conversions.

export const ACCOUNT_ID = '123456789012';
export const REGION = 'us-east-1';

export type JsonObject = Record<string, unknown>;

/**
 * An error answered by an emulated service. `code` is what the SDK surfaces as the error name;
 * `jsonType` overrides the body `__type` (CloudWatch's query-compatible errors carry the query
 * code in a header and the Smithy shape id in the body).
 */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly jsonType?: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** The AWS validation layer's message, e.g. for `limit` > 50. */
export function constraintMessage(member: string, value: unknown, constraint: string): string {
  const shown = value === null || value === undefined ? 'null' : `'${String(value)}'`;
  return `1 validation error detected: Value ${shown} at '${member}' failed to satisfy constraint: ${constraint}`;
}

/** Reads typed members from a request body; a wrong JSON type is a SerializationException like the real services. */
export class InputReader {
  constructor(
    private readonly input: JsonObject,
    /** The error code used for failed constraints (`ValidationException`, `InvalidParameterException`...). */
    private readonly validationCode: string,
  ) {}

  has(key: string): boolean {
    return this.input[key] !== undefined && this.input[key] !== null;
  }

  string(key: string): string | undefined {
    const value = this.input[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw serialization(key, 'STRING_VALUE');
    return value;
  }

  requiredString(key: string, member = lowerFirst(key)): string {
    const value = this.string(key);
    if (value === undefined) throw this.invalid(constraintMessage(member, null, 'Member must not be null'));
    return value;
  }

  number(key: string): number | undefined {
    const value = this.input[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw serialization(key, 'NUMBER_VALUE');
    return value;
  }

  /** An integer member with the model's min/max range. */
  integer(key: string, min: number, max: number, member = lowerFirst(key)): number | undefined {
    const value = this.number(key);
    if (value === undefined) return undefined;
    if (!Number.isInteger(value)) throw serialization(key, 'INTEGER_VALUE');
    if (value < min) throw this.invalid(constraintMessage(member, value, `Member must have value greater than or equal to ${min}`));
    if (value > max) throw this.invalid(constraintMessage(member, value, `Member must have value less than or equal to ${max}`));
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.input[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw serialization(key, 'BOOLEAN_VALUE');
    return value;
  }

  stringList(key: string): string[] | undefined {
    const value = this.input[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw serialization(key, 'LIST_VALUE');
    return value as string[];
  }

  objectList(key: string): JsonObject[] | undefined {
    const value = this.input[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((item) => !isObject(item))) throw serialization(key, 'LIST_VALUE');
    return value as JsonObject[];
  }

  object(key: string): JsonObject | undefined {
    const value = this.input[key];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) throw serialization(key, 'STRUCTURE_VALUE');
    return value;
  }

  /** One of the enum's values, checked the way the validation layer checks enums. */
  enumValue<T extends string>(key: string, allowed: readonly T[], member = lowerFirst(key)): T | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw this.invalid(constraintMessage(member, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`));
    }
    return value as T;
  }

  invalid(message: string): ServiceError {
    return new ServiceError(this.validationCode, message);
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function serialization(key: string, expected: string): ServiceError {
  return new ServiceError('SerializationException', `Unexpected value type in payload for member ${key}, expected ${expected}`);
}

function lowerFirst(key: string): string {
  return key.charAt(0).toLowerCase() + key.slice(1);
}

/** JSON with every `Date` written as epoch seconds (the JSON-protocol timestamp format). */
export function stringifyEpochSeconds(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, converted: unknown) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : converted;
  });
}

/** Opaque pagination tokens: base64url of a small JSON payload. */
export function encodeToken(payload: unknown): string {
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

export function decodeToken(token: string): unknown {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A request id in the shape AWS returns (uuid), counted so runs are reproducible. */
export function requestIdFactory(): () => string {
  let counter = 0;
  return () => {
    counter += 1;
    return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
  };
}
