import { providerError } from '../errors.js';

export interface PaginateOptions<P, Token> {
  fetch(token: Token | undefined): Promise<P>;
  /** The token for the next page, or undefined/null/'' when the listing is complete. */
  nextToken(page: P): Token | undefined | null;
  /**
   * Whether the page itself says more results remain (S3/OBS `IsTruncated`). Where a provider has
   * such a flag, a page that sets it must also give a way on (a token that differs from the one
   * just sent); otherwise the listing fails with a ProviderError instead of ending early.
   */
  isTruncated?(page: P): boolean;
  /**
   * What an unchanged token means. true (the default): the end (CloudWatch GetLogEvents repeats the
   * token at the end of a stream; several official SDKs loop forever on it). false: keep fetching
   * with it (bounded by maxPages). 'fail': a ProviderError, for listings where a repeated token can
   * only mean a service that stopped advancing.
   */
  stopOnSameToken?: boolean | 'fail';
  /** Safety net against a service that never ends a listing. Default 100,000 pages. */
  maxPages?: number;
  startToken?: Token;
  /** Names the listing in errors, e.g. "OBS ListObjects of bucket b". Default "listing". */
  what?: string;
}

/** Core's one paginator: yields whole pages until the token says the listing is done. */
export async function* paginate<P, Token = string>(options: PaginateOptions<P, Token>): AsyncGenerator<P> {
  const onSame = options.stopOnSameToken ?? true;
  const maxPages = options.maxPages ?? 100_000;
  const what = options.what ?? 'listing';
  let token = options.startToken;
  for (let pages = 0; ; pages++) {
    if (pages >= maxPages) throw providerError(`${what} did not end after ${maxPages} pages`);
    const page = await options.fetch(token);
    yield page;
    // Read after the caller has seen the page: some callers' tokens depend on what it held.
    const next = options.nextToken(page);
    const missing = next === undefined || next === null || next === '';
    const same = !missing && token !== undefined && sameToken(next, token);
    if (options.isTruncated?.(page) && (missing || same)) {
      throw providerError(`${what} was cut short: page ${pages + 1} says it is truncated but gives ${missing ? 'no marker or token to continue from' : 'the same token again'}`);
    }
    if (missing) return;
    if (same && onSame === 'fail') throw providerError(`${what} did not advance: page ${pages + 1} gave the same token again`);
    if (same && onSame === true) return;
    token = next;
  }
}

function sameToken(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
