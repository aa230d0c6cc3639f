import { providerError } from '../errors.js';

export interface PaginateOptions<P, Token> {
  fetch(token: Token | undefined): Promise<P>;
  /** The token for the next page, or undefined/null/'' when the listing is complete. */
  nextToken(page: P): Token | undefined | null;
  /**
   * An unchanged token means the end (CloudWatch GetLogEvents repeats the token at the end of a
   * stream; several official SDKs loop forever on it). Default true.
   */
  stopOnSameToken?: boolean;
  /** Safety net against a service that never ends a listing. Default 100,000 pages. */
  maxPages?: number;
  startToken?: Token;
}

/** Core's one paginator: yields whole pages until the token says the listing is done. */
export async function* paginate<P, Token = string>(options: PaginateOptions<P, Token>): AsyncGenerator<P> {
  const stopOnSame = options.stopOnSameToken ?? true;
  const maxPages = options.maxPages ?? 100_000;
  let token = options.startToken;
  for (let pages = 0; ; pages++) {
    if (pages >= maxPages) throw providerError(`listing did not end after ${maxPages} pages`);
    const page = await options.fetch(token);
    yield page;
    const next = options.nextToken(page);
    if (next === undefined || next === null || next === '') return;
    if (stopOnSame && token !== undefined && sameToken(next, token)) return;
    token = next;
  }
}

function sameToken(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
