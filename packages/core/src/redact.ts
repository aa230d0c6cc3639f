// Secrets must never reach any output: error messages, debug lines, JSON. Every message that
// leaves core passes through `redact`, so adapters cannot forget it.

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // Query strings of signed URLs (S3/OBS presigned, Azure SAS): keep the path, drop the query.
  [/(https?:\/\/[^\s"'?]+)\?[^\s"']*(?:signature|sig|x-amz-credential|x-amz-security-token|awsaccesskeyid|se=|sv=|token)[^\s"']*/gi, '$1?[redacted]'],
  [/(authorization["']?\s*[:=]\s*["']?)(bearer|basic|sdk-hmac-sha256|aws4-hmac-sha256)\s+[^"'\n]+/gi, '$1$2 [redacted]'],
  [/\bbearer\s+[A-Za-z0-9\-._~+/]+=*/gi, 'Bearer [redacted]'],
  [/\b(signature|sig|access|credential)=([A-Za-z0-9%/+=._-]{8,})/gi, '$1=[redacted]'],
  [/\b(x-auth-token|x-security-token|x-amz-security-token|x-subject-token)(["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, '$1$2[redacted]'],
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '[redacted-access-key]'],
  [/\b(aws_secret_access_key|secretKey|secret_key|sk|client_secret|password)(["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, '$1$2[redacted]'],
  // JWTs (Azure access tokens).
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[redacted-token]'],
];

const extra = new Set<string>();

/** Registers a literal secret (a configured key or token) so it is masked wherever it appears. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) extra.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of extra) out = out.split(secret).join('[redacted]');
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
