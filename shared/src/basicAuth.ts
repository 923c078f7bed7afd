/** Credentials from an `Authorization: Basic` header, or undefined when there is none or it is malformed. */
export function parseBasicAuth(header: string | undefined, { formEncoded = false } = {}): { id: string; secret: string } | undefined {
  if (!header) return undefined;
  const encoded = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header)?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  let id = decoded.slice(0, colon);
  let secret = decoded.slice(colon + 1);
  if (formEncoded) {
    // RFC 6749 §2.3.1: client id and secret are form-url-encoded before base64.
    try {
      id = decodeURIComponent(id.replace(/\+/g, ' '));
      secret = decodeURIComponent(secret.replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
  }
  return { id, secret };
}
