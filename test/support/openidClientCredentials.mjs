// A generic OAuth 2.0 client, as a customer would run one: openid-client's client-credentials grant,
// given only an issuer URL (RFC 8414 discovery). Run as its own Node process (openid-client is ESM only).
// Arguments: issuer [scope]; the credentials come from the environment (never on the command line).
import * as client from 'openid-client';

const [issuer, scope] = process.argv.slice(2);
const { OAUTH_CLIENT_ID: clientId, OAUTH_CLIENT_SECRET: clientSecret, OAUTH_AUTH_METHOD: method } = process.env;
try {
  const auth = method === 'post' ? client.ClientSecretPost(clientSecret) : client.ClientSecretBasic(clientSecret);
  // Plain http only because the test servers listen on 127.0.0.1; `oauth2`: RFC 8414 metadata, not OpenID's.
  const config = await client.discovery(new URL(issuer), clientId, undefined, auth, {
    algorithm: 'oauth2',
    execute: [client.allowInsecureRequests],
  });
  const tokens = await client.clientCredentialsGrant(config, scope ? { scope } : {});
  const { token_endpoint, jwks_uri } = config.serverMetadata();
  process.stdout.write(JSON.stringify({ ok: true, tokens, token_endpoint, jwks_uri }));
} catch (err) {
  // A 401 with a WWW-Authenticate challenge is openid-client's WWWAuthenticateChallengeError; its response carries the body.
  const body = err.response ? await err.response.json().catch(() => undefined) : undefined;
  process.stdout.write(
    JSON.stringify({
      ok: false,
      name: err.name,
      code: err.code,
      error: err.error ?? body?.error,
      status: err.status,
      message: err.message,
    }),
  );
}
