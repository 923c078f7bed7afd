import { AuthServerError } from '../errors';

/**
 * Custom claims from the project's template, with Stytch's rules: `{{ variable }}` markup, only as a
 * whole JSON value, dot notation into `client` (the M2M client) and `request` (extra parameters sent
 * to the token endpoint). A variable that is missing or null drops its claim (or array element);
 * registered claims can't be set; the rendered claims are at most 4 KB.
 */
export type ClaimsTemplate = Record<string, unknown>;

export interface ClaimsContext {
  client: Record<string, unknown>;
  request: Record<string, unknown>;
}

export const REGISTERED_CLAIMS = new Set(['sub', 'iss', 'aud', 'exp', 'nbf', 'iat', 'jti', 'scope']);
/**
 * Claims that mark another Stytch product's token (a Connected Apps access token, a session JWT):
 * verifiers, this project's authorizeToken among them, refuse an M2M token that carries one, so a
 * template that set one would lock every client out.
 */
export const OTHER_PRODUCT_CLAIMS = new Set(['client_id', 'https://stytch.com/session']);
export const MAX_CUSTOM_CLAIMS_BYTES = 4096;

const VARIABLE = /^\{\{\s*([^{}\s]+)\s*\}\}$/;
const PATH = /^(client|request)(\.[A-Za-z0-9_-]+)+$/;
const DROP = Symbol('drop');

/** A template that breaks the rules: refused before it is stored. */
export class TemplateError extends AuthServerError {
  constructor(message: string) {
    super(400, 'invalid_custom_claims_template', message);
  }
}

/** A client whose claims render beyond the limit gets no token (on the token endpoint: OAuth's invalid_request). */
export class ClaimsTooLargeError extends AuthServerError {
  constructor() {
    super(400, 'custom_claims_too_large', `the custom claims for this client render to more than ${MAX_CUSTOM_CLAIMS_BYTES} bytes`);
  }
}

/** Throws a TemplateError naming the first problem: a template must be checked before it is stored. */
export function validateClaimsTemplate(template: unknown): ClaimsTemplate {
  if (!isPlainObject(template)) throw new TemplateError('the custom claims template must be a JSON object');
  for (const key of Object.keys(template)) {
    if (REGISTERED_CLAIMS.has(key)) throw new TemplateError(`"${key}" is a registered claim and can't be set by the template`);
    if (OTHER_PRODUCT_CLAIMS.has(key)) {
      throw new TemplateError(`"${key}" marks another Stytch product's token, and verifiers refuse M2M tokens that carry it`);
    }
  }
  if (Buffer.byteLength(JSON.stringify(template)) > MAX_CUSTOM_CLAIMS_BYTES) {
    throw new TemplateError(`the custom claims template is larger than ${MAX_CUSTOM_CLAIMS_BYTES} bytes`);
  }
  checkValues(template, '');
  return template;
}

function checkValues(value: unknown, at: string): void {
  if (typeof value === 'string') {
    if (!value.includes('{{')) return;
    const variable = variableIn(value);
    if (variable === undefined) {
      throw new TemplateError(`${at}: a {{ variable }} must be the whole value, e.g. "{{ client.trusted_metadata.tier }}"`);
    }
    if (!PATH.test(variable)) throw new TemplateError(`${at}: "${variable}" must start with client. or request.`);
    return;
  }
  if (Array.isArray(value)) value.forEach((v, i) => checkValues(v, `${at}[${i}]`));
  else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) checkValues(v, at ? `${at}.${k}` : k);
}

/** The claims a template gives for one token; throws ClaimsTooLargeError beyond 4 KB. */
export function renderClaims(template: ClaimsTemplate, context: ClaimsContext): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (REGISTERED_CLAIMS.has(key) || OTHER_PRODUCT_CLAIMS.has(key)) continue;
    const rendered = renderValue(value, context);
    if (rendered !== DROP) claims[key] = rendered;
  }
  if (Buffer.byteLength(JSON.stringify(claims)) > MAX_CUSTOM_CLAIMS_BYTES) {
    throw new ClaimsTooLargeError();
  }
  return claims;
}

function renderValue(value: unknown, context: ClaimsContext): unknown {
  if (typeof value === 'string') {
    const variable = variableIn(value);
    if (variable === undefined) return value;
    const found = lookup(context, variable);
    return found === undefined || found === null ? DROP : found;
  }
  if (Array.isArray(value)) return value.map((v) => renderValue(v, context)).filter((v) => v !== DROP);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const rendered = renderValue(v, context);
      if (rendered !== DROP) out[k] = rendered;
    }
    return out;
  }
  return value;
}

/** The path of a `{{ variable }}` that is the whole string, else undefined. */
function variableIn(value: string): string | undefined {
  return VARIABLE.exec(value)?.[1];
}

function lookup(context: ClaimsContext, path: string): unknown {
  let current: unknown = context;
  for (const part of path.split('.')) {
    if (!isPlainObject(current) || !Object.hasOwn(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
