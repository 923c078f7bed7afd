import express, { type RequestHandler } from 'express';
import { bodyReadError, HttpError } from './httpErrors';

/** Deeper than this, a body is refused: real payloads are shallow, and deep ones overflow JSON.stringify. */
export const MAX_JSON_DEPTH = 32;

export interface JsonBodyOptions {
  /** The size limit, as body-parser takes it ('16kb', or bytes). */
  limit: string | number;
  maxDepth?: number;
  /** Also accept application/x-www-form-urlencoded (an OAuth 2.0 token endpoint). */
  form?: { parameterLimit: number };
}

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * The one body reader of every server: a JSON object, in UTF-8, no deeper than `maxDepth`.
 * Anything else is the client's mistake and gets an HttpError (through `next`): 415 for another
 * media type or charset, 400 for JSON that is malformed, too deep or not an object, 413 when too large.
 * A request without a body passes through untouched (req.body stays undefined).
 */
export function jsonBody({ limit, maxDepth = MAX_JSON_DEPTH, form }: JsonBodyOptions): RequestHandler {
  if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new TypeError('jsonBody: maxDepth must be a positive integer');
  // Typed as Express handlers: body-parser's own types take a bare IncomingMessage, which an Express request is.
  const readJson: RequestHandler = express.json({ limit, strict: false, verify: (_req, _res, raw) => assertDepth(raw, maxDepth) });
  const readForm: RequestHandler | undefined = form && express.urlencoded({ extended: false, limit, parameterLimit: form.parameterLimit });
  const accepted = form ? `${JSON_TYPE} or ${FORM_TYPE}` : JSON_TYPE;

  return (req, res, next) => {
    if (!hasBody(req.headers, Boolean(req.is(JSON_TYPE)))) {
      next();
      return;
    }
    const onRead = (err?: unknown) => {
      if (err) {
        next(unreadable(err));
        return;
      }
      if (req.is(JSON_TYPE) && !isPlainObject(req.body)) {
        next(new HttpError(400, 'invalid_json', 'The request body must be a JSON object'));
        return;
      }
      next();
    };
    if (readForm && req.is(FORM_TYPE)) {
      readForm(req, res, onRead);
      return;
    }
    if (!req.is(JSON_TYPE)) {
      next(new HttpError(415, 'unsupported_media_type', `This route reads ${accepted} bodies: send Content-Type: ${JSON_TYPE}`));
      return;
    }
    const charset = charsetOf(req.headers['content-type']);
    // RFC 8259 §8.1: JSON between systems is UTF-8. Other charsets (utf-7!) would be decoded into
    // something other than what a UTF-8 reader of the same bytes sees.
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      next(
        new HttpError(
          415,
          'unsupported_media_type',
          `JSON is read only as UTF-8: send charset=utf-8 or no charset, not ${charset.slice(0, 40)}`,
        ),
      );
      return;
    }
    readJson(req, res, onRead);
  };
}

/** Thrown by the depth scan; body-parser passes it on as the read error. */
class NestedTooDeepError extends Error {
  constructor(readonly maxDepth: number) {
    super(`The JSON body is nested more than ${maxDepth} levels deep`);
  }
}

/** Counts bracket depth over the raw bytes (before parsing), skipping strings; UTF-8 keeps ASCII bytes unambiguous. */
function assertDepth(raw: Buffer, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (inString) {
      if (byte === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b) {
      if (++depth > maxDepth) throw new NestedTooDeepError(maxDepth);
    } else if (byte === 0x7d || byte === 0x5d) depth--;
  }
}

function unreadable(err: unknown): unknown {
  if (err instanceof NestedTooDeepError) return new HttpError(400, 'json_too_deep', err.message);
  const known = bodyReadError(err);
  return known ? new HttpError(known.status, known.code, known.message) : err;
}

/**
 * Whether there is a body to read. An empty POST (`curl -X POST`, Content-Length: 0) has none,
 * whatever its type; an empty one labelled JSON still reads as {} (as express.json always did).
 */
function hasBody(headers: { 'transfer-encoding'?: string; 'content-length'?: string }, labelledJson: boolean): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && (length !== '0' || labelledJson);
}

function charsetOf(contentType: string | undefined): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '')?.[1]?.toLowerCase();
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
