/**
 * The console's two server-rendered pages. No inline script or style (the CSP forbids both): the
 * page's behaviour is /console/assets/console.js, which reads the CSRF token from a meta tag.
 */

export function signInPage({ error }: { error?: string } = {}): string {
  return layout(
    'Sign in',
    `<main class="sign-in">
  <h1>Stytch M2M console</h1>
  <p>Sign in with the project's credentials: its project_id and secret (for the local stack, in <code>.data/stytch-project.json</code>).</p>
  ${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
  <form method="post" action="/console/sign-in" autocomplete="off">
    <label>Project ID <input name="project_id" required autocomplete="username" spellcheck="false"></label>
    <label>Project secret <input name="secret" type="password" required autocomplete="current-password"></label>
    <button type="submit">Sign in</button>
  </form>
</main>`,
  );
}

export function consolePage({ projectId, csrfToken }: { projectId: string; csrfToken: string }): string {
  return layout(
    'Console',
    `<header>
  <h1>Stytch M2M console</h1>
  <span class="project">${escapeHtml(projectId)}</span>
  <form method="post" action="/console/sign-out"><input type="hidden" name="csrf_token" value="${escapeHtml(csrfToken)}"><button type="submit">Sign out</button></form>
</header>
<nav>
  <button type="button" data-tab="clients" class="active">Clients</button>
  <button type="button" data-tab="keys">Signing keys</button>
  <button type="button" data-tab="claims">Custom claims</button>
  <button type="button" data-tab="inspector">Token inspector</button>
  <button type="button" data-tab="audit">Audit log</button>
</nav>
<p id="notice" role="status" hidden></p>
<main>
<section id="tab-clients">
  <div id="secret-reveal" class="reveal" hidden>
    <p><strong id="secret-label">Client secret</strong>: shown once, only now. Store it; the server keeps only its hash.</p>
    <input id="secret-value" readonly spellcheck="false"> <button type="button" id="secret-copy">Copy</button>
    <button type="button" id="secret-dismiss">I have stored it</button>
  </div>
  <form id="client-search" class="row">
    <input name="q" placeholder="client_id, exact name or scope (empty: all)" spellcheck="false">
    <button type="submit">Search</button>
  </form>
  <table id="clients">
    <thead><tr><th>Name</th><th>client_id</th><th>Scopes</th><th>Status</th><th>Secret</th><th>Actions</th></tr></thead>
    <tbody></tbody>
  </table>
  <button type="button" id="clients-more" hidden>More</button>
  <form id="client-form" class="card">
    <h2 id="client-form-title">Create a client</h2>
    <input type="hidden" name="client_id">
    <label>Name <input name="client_name" required maxlength="256"></label>
    <label>Description <input name="client_description" maxlength="1024"></label>
    <label>Scopes (space separated) <input name="scopes" required spellcheck="false"></label>
    <label>trusted_metadata (a JSON object) <textarea name="trusted_metadata" rows="3" spellcheck="false">{}</textarea></label>
    <button type="submit" id="client-save">Create</button> <button type="button" id="client-new" hidden>New client instead</button>
  </form>
</section>
<section id="tab-keys" hidden>
  <table id="keys">
    <thead><tr><th>kid</th><th>State</th><th>Created</th><th>Signing since</th><th>Published until</th></tr></thead>
    <tbody></tbody>
  </table>
  <form id="keys-rotate" class="card">
    <label class="check"><input type="checkbox" name="force"> force (a compromised key: rotate even if the next key is new)</label>
    <label class="check"><input type="checkbox" name="revoke_previous"> revoke the previous key at once (its tokens stop verifying)</label>
    <button type="submit">Rotate signing key</button>
  </form>
</section>
<section id="tab-claims" hidden>
  <form id="claims-form" class="card">
    <label>Custom claims template (JSON; <code>{}</code> clears it) <textarea name="template" rows="8" spellcheck="false"></textarea></label>
    <button type="submit">Save template</button>
  </form>
  <form id="claims-preview" class="card">
    <label>Client <select name="client_id" required></select></label>
    <label>Extra token-request parameters (<code>request.*</code>, a JSON object) <textarea name="request" rows="2" spellcheck="false">{}</textarea></label>
    <button type="submit">Preview the claims (with the template above, saved or not)</button>
    <pre id="claims-result"></pre>
  </form>
</section>
<section id="tab-inspector" hidden>
  <form id="inspect-form" class="card">
    <label>Access token (JWT) <textarea name="token" rows="5" spellcheck="false" placeholder="eyJ…"></textarea></label>
    <button type="submit">Inspect</button>
  </form>
  <div id="inspect-result" hidden>
    <p id="inspect-signature"></p>
    <p id="inspect-expiry"></p>
    <p id="inspect-issuer"></p>
    <h3>Header</h3><pre id="inspect-header"></pre>
    <h3>Claims</h3><pre id="inspect-claims"></pre>
  </div>
</section>
<section id="tab-audit" hidden>
  <p>Newest first; new events appear as they happen.</p>
  <table id="audit">
    <thead><tr><th>When</th><th>Event</th><th>By</th><th>client_id</th><th>Scopes</th><th>Reason / details</th><th>request_id</th></tr></thead>
    <tbody></tbody>
  </table>
  <button type="button" id="audit-more" hidden>Older events</button>
</section>
</main>`,
    csrfToken,
  );
}

function layout(title: string, body: string, csrfToken?: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${csrfToken ? `<meta name="csrf-token" content="${escapeHtml(csrfToken)}">` : ''}
<title>${escapeHtml(title)} · Stytch M2M console</title>
<link rel="icon" href="/console/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/console/assets/console.css">
${csrfToken ? '<script src="/console/assets/console.js" defer></script>' : ''}
</head>
<body>
${body}
</body>
</html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
