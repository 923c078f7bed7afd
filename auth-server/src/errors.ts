/**
 * The one error base of the auth-server, which speaks Stytch's error shapes rather than ours
 * (http/apiErrors.ts renders them). Every error it throws on purpose is an AuthServerError:
 * `code` is what a client matches on (Stytch's `error_type`, or OAuth 2.0's `error` on the token
 * endpoint), `status` the HTTP status it answers with, and `expose` whether its message may reach
 * the client. The store and tokens layers throw domain-named subclasses that already know their answer.
 * Anything thrown that is not an AuthServerError is our own bug: a 500 without detail, and a log line.
 */
export interface AuthServerErrorOptions {
  /** Response headers that go with it (Retry-After, Allow, WWW-Authenticate). */
  headers?: Record<string, string>;
  /** May the message be shown to the client? Default: for 4xx yes, for 5xx no. */
  expose?: boolean;
  cause?: unknown;
}

export class AuthServerError<Code extends string = string> extends Error {
  readonly expose: boolean;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly status: number,
    readonly code: Code,
    message: string,
    { headers = {}, expose = status < 500, cause }: AuthServerErrorOptions = {},
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.expose = expose;
    this.headers = headers;
  }
}
