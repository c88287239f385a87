// RFC 5849 §3.2: 400 for malformed requests, 401 for credentials that do not verify. `problem` uses the
// names of the OAuth Problem Reporting extension, which OAuth 1 client libraries understand.

export class OAuth1Error extends Error {
  readonly status: 400 | 401;
  readonly problem: string;
  constructor(status: 400 | 401, problem: string, description: string) {
    super(description);
    this.name = 'OAuth1Error';
    this.status = status;
    this.problem = problem;
  }
}

/** Unsupported or missing parameter, unsupported signature method, duplicated protocol parameter. */
export const badRequest = (problem: string, description: string) => new OAuth1Error(400, problem, description);

/** Invalid consumer key, token, signature, nonce or timestamp. */
export const unauthorized = (problem: string, description: string) => new OAuth1Error(401, problem, description);

export const isOAuth1Error = (e: unknown): e is OAuth1Error => e instanceof OAuth1Error;
