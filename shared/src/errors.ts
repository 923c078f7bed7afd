/**
 * The one error base of our services, as jose's JOSEError is for jose: every error we throw on
 * purpose is a ServiceError with a stable `code` (what programs match on), the HTTP `status` it
 * answers with, and `expose`: whether its message may reach a client (an operator-facing message
 * such as a start-up error is exposed on stderr, never in a response body unless `expose`).
 * Anything thrown that is not a ServiceError is our own bug: a 500 with a stack in the log.
 */
export interface ServiceErrorOptions {
  /** The HTTP status it answers with; default 500. */
  status?: number;
  /** May the message be shown to the client? Default: for 4xx yes, for 5xx no. */
  expose?: boolean;
  /** Response headers that go with it (Retry-After, Allow, WWW-Authenticate...). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class ServiceError extends Error {
  readonly status: number;
  readonly expose: boolean;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: string,
    message: string,
    { status = 500, expose = status < 500, headers = {}, cause }: ServiceErrorOptions = {},
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.status = status;
    this.expose = expose;
    this.headers = headers;
  }
}
