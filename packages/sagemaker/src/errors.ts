// The one place AWS errors become RunlensErrors. Decisions use structured fields (the SDK's error
// name, which is the wire `__type` / query error code / S3 `<Code>`, the HTTP status, `$fault`),
// never the message text alone.
import { RunlensError, authError, invalidInput, isNetworkError, notFound, parseRetryAfter, providerError, throttled } from '@runlens/core';

interface AwsErrorShape {
  readonly name?: string;
  readonly message?: string;
  readonly code?: string;
  /** Query-compatible services (CloudWatch) keep the query error code here. */
  readonly Code?: string;
  readonly $fault?: 'client' | 'server';
  readonly $retryable?: { throttling?: boolean };
  readonly $metadata?: { httpStatusCode?: number };
  readonly $response?: { headers?: Record<string, string | undefined> };
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);

const AUTH = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidClientTokenId',
  'InvalidAccessKeyId',
  'ExpiredToken',
  'ExpiredTokenException',
  'TokenRefreshRequired',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'NotAuthorized',
  'AuthFailure',
  'AllAccessDisabled',
  'CredentialsProviderError',
]);

const NOT_FOUND = new Set(['ResourceNotFound', 'ResourceNotFoundException', 'NoSuchKey', 'NoSuchBucket', 'NotFound', 'NoSuchUpload']);

const INVALID = new Set(['ValidationException', 'ValidationError', 'InvalidParameterException', 'InvalidParameterValue', 'InvalidParameterCombination', 'InvalidNextToken', 'InvalidArgument', 'InvalidRange', 'SerializationException', 'InvalidOperationException', 'MalformedQueryException']);

const SERVER = new Set(['InternalFailure', 'InternalError', 'InternalServerError', 'InternalServiceError', 'InternalServiceFault', 'ServiceUnavailable', 'ServiceUnavailableException', 'ServiceFailure', 'ServerError']);

/** The wire error code the SDK surfaced. */
export function awsErrorCode(error: unknown): string | undefined {
  const e = error as AwsErrorShape | null;
  if (!e || typeof e !== 'object') return undefined;
  return (typeof e.Code === 'string' && e.Code) || (typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined);
}

const retryAfterMs = (e: AwsErrorShape) => parseRetryAfter(e.$response?.headers?.['retry-after']);

/**
 * Maps whatever an AWS SDK call threw. `call.operation` is the AWS operation name; DescribeTrainingJob's
 * ValidationException is SageMaker's real answer for a missing job (the modeled ResourceNotFound is not
 * what the service sends).
 */
export function mapAwsError(error: unknown, call: { operation: string; run?: string }): RunlensError {
  if (RunlensError.isInstance(error)) return error;
  const e = (error ?? {}) as AwsErrorShape;
  const code = awsErrorCode(error);
  const status = e.$metadata?.httpStatusCode;
  const message = typeof e.message === 'string' && e.message !== '' && e.message !== 'UnknownError' ? e.message : (code ?? 'unknown error');
  // The SDK's error carries the raw response, whose request headers include the signed Authorization
  // header: keep only what explains the failure.
  const cause = Object.assign(new Error(message), { name: code ?? e.name ?? 'Error', ...(status !== undefined ? { status } : {}), ...(e.code ? { code: e.code } : {}) });
  const options = { providerCode: code, status, cause };
  const text = `${call.operation} failed: ${message}`;

  if (code && THROTTLING.has(code)) return throttled(`${call.operation} was throttled: ${message}`, { ...options, retryable: true, retryAfterMs: retryAfterMs(e) });
  if (status === 429 || e.$retryable?.throttling) return throttled(`${call.operation} was throttled: ${message}`, { ...options, retryable: true, retryAfterMs: retryAfterMs(e) });

  if (code === 'ValidationException' && call.operation === 'DescribeTrainingJob' && status === 400 && /not found/i.test(message)) {
    return notFound('training job not found', options);
  }
  if (code && NOT_FOUND.has(code)) return notFound(text, options);
  if ((code && AUTH.has(code)) || status === 401 || status === 403) {
    const hint = code === 'CredentialsProviderError' ? ' (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run where an instance or container role is available)' : '';
    return authError(`${text}${hint}`, options);
  }
  if (code && INVALID.has(code)) return invalidInput(text, options);

  if (isNetworkError(error) || e.name === 'TimeoutError' || e.name === 'RequestTimeout' || e.name === 'RequestTimeoutException') {
    return providerError(`${call.operation} failed: connection problem (${e.code ?? e.name ?? 'network error'}: ${message})`, { ...options, providerCode: e.code ?? code, retryable: true });
  }
  if ((code && SERVER.has(code)) || e.$fault === 'server' || (status !== undefined && status >= 500)) {
    return providerError(text, { ...options, retryable: true });
  }
  return providerError(text, { ...options, retryable: false });
}
