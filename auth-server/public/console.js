// The console's one script: it drives the auth-server's own API under /console/api (the session
// cookie authenticates; every change carries the CSRF token from the page's meta tag). Secrets are
// shown once in the page and never written to storage or a URL.
'use strict';

(() => {
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (selector) => document.querySelector(selector);
  const AUDIT_POLL_MS = 2000;

  /** Calls the API; resolves with the JSON body, or rejects with its error message. */
  async function api(method, path, body) {
    const headers = { 'X-CSRF-Token': csrfToken };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`/console/api${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const json = await res.json().catch(() => ({}));
    if (res.status === 401 && json.error_type === 'console_session_required') {
      window.location.assign('/console');
      throw new Error('The session has ended: sign in again');
    }
    if (!res.ok) throw new Error(json.error_message || `HTTP ${res.status}`);
    return json;
  }

  function notify(message, isError = false) {
    const notice = $('#notice');
    notice.textContent = message;
    notice.className = isError ? 'error' : 'ok';
    notice.hidden = false;
  }

  /** Runs an action, showing its failure (never an unhandled rejection). */
  const guarded = (action) => (event) => {
    if (event) event.preventDefault();
    Promise.resolve()
      .then(action)
      .catch((err) => notify(err.message, true));
  };

  /** A table cell, or a cell holding `children` elements. */
  function cell(content) {
    const td = document.createElement('td');
    if (content instanceof Node) td.append(content);
    else td.textContent = content === null || content === undefined ? '' : String(content);
    return td;
  }

  function button(label, onClick, className = '') {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    if (className) b.className = className;
    b.addEventListener('click', guarded(onClick));
    return b;
  }

  function parseJsonObject(text, name) {
    let value;
    try {
      value = JSON.parse(text || '{}');
    } catch {
      throw new Error(`${name} is not valid JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${name} must be a JSON object`);
    return value;
  }

  const when = (epochSeconds) => (epochSeconds ? new Date(epochSeconds * 1000).toLocaleString() : '');

  // Tabs
  for (const tab of document.querySelectorAll('nav [data-tab]')) {
    tab.addEventListener('click', () => {
      for (const other of document.querySelectorAll('nav [data-tab]')) other.classList.toggle('active', other === tab);
      for (const section of document.querySelectorAll('main > section')) section.hidden = section.id !== `tab-${tab.dataset.tab}`;
      $('#notice').hidden = true;
      const load = { clients: loadClients, keys: loadKeys, claims: loadClaims, audit: pollAudit, inspector: () => undefined };
      guarded(load[tab.dataset.tab])();
    });
  }

  // The secret, shown once
  function revealSecret(label, secret) {
    $('#secret-label').textContent = label;
    $('#secret-value').value = secret;
    $('#secret-reveal').hidden = false;
    $('#secret-value').select();
  }
  $('#secret-copy').addEventListener(
    'click',
    guarded(async () => {
      const input = $('#secret-value');
      input.select();
      if (navigator.clipboard) await navigator.clipboard.writeText(input.value);
      else document.execCommand('copy');
      notify('Copied to the clipboard');
    }),
  );
  $('#secret-dismiss').addEventListener('click', () => {
    $('#secret-value').value = '';
    $('#secret-reveal').hidden = true;
  });

  // Clients
  let clientsCursor = null;
  async function loadClients(append = false) {
    const q = $('#client-search').elements.q.value.trim();
    const query = q
      ? {
          operator: 'OR',
          operands: [
            { filter_name: 'client_id', filter_value: [q] },
            { filter_name: 'client_name', filter_value: [q] },
            { filter_name: 'scopes', filter_value: [q] },
          ],
        }
      : undefined;
    const page = await api('POST', '/v1/m2m/clients/search', {
      limit: 50,
      ...(query && { query }),
      ...(append && clientsCursor && { cursor: clientsCursor }),
    });
    const tbody = $('#clients tbody');
    if (!append) tbody.replaceChildren();
    for (const client of page.m2m_clients) tbody.append(clientRow(client));
    clientsCursor = page.results_metadata.next_cursor;
    $('#clients-more').hidden = !clientsCursor;
  }

  function clientRow(client) {
    const tr = document.createElement('tr');
    tr.dataset.clientId = client.client_id;
    const path = `/v1/m2m/clients/${encodeURIComponent(client.client_id)}`;
    const rotating = client.next_client_secret_last_four !== null;
    const actions = document.createElement('span');
    actions.className = 'actions';
    actions.append(
      button('Edit', () => editClient(client)),
      button(client.status === 'active' ? 'Deactivate' : 'Activate', async () => {
        await api('PUT', path, { status: client.status === 'active' ? 'inactive' : 'active' });
        notify(`${client.client_name || client.client_id} is now ${client.status === 'active' ? 'inactive' : 'active'}`);
        await loadClients();
      }),
    );
    if (rotating) {
      actions.append(
        button('Complete rotation', async () => {
          await api('POST', `${path}/secrets/rotate`);
          notify('Rotation complete: only the new secret works now');
          await loadClients();
        }),
        button('Cancel rotation', async () => {
          await api('POST', `${path}/secrets/rotate/cancel`);
          notify('Rotation cancelled: the new secret no longer works');
          await loadClients();
        }),
      );
    } else {
      actions.append(
        button('Rotate secret', async () => {
          const { m2m_client: rotated } = await api('POST', `${path}/secrets/rotate/start`);
          revealSecret(`New secret of ${rotated.client_name || rotated.client_id}`, rotated.next_client_secret);
          notify('Rotation started: both secrets work until you complete or cancel it');
          await loadClients();
        }),
      );
    }
    actions.append(
      button(
        'Delete',
        async () => {
          if (!window.confirm(`Delete ${client.client_name || client.client_id}? Its secret stops working at once.`)) return;
          await api('DELETE', path);
          notify(`Deleted ${client.client_id}`);
          await loadClients();
        },
        'danger',
      ),
    );
    const secret = rotating
      ? `…${client.client_secret_last_four}, next …${client.next_client_secret_last_four}`
      : `…${client.client_secret_last_four}`;
    tr.append(
      cell(client.client_name),
      cell(client.client_id),
      cell(client.scopes.join(' ')),
      cell(client.status),
      cell(secret),
      cell(actions),
    );
    return tr;
  }

  const clientForm = $('#client-form');
  function editClient(client) {
    clientForm.elements.client_id.value = client.client_id;
    clientForm.elements.client_name.value = client.client_name;
    clientForm.elements.client_description.value = client.client_description;
    clientForm.elements.scopes.value = client.scopes.join(' ');
    clientForm.elements.trusted_metadata.value = JSON.stringify(client.trusted_metadata, null, 2);
    $('#client-form-title').textContent = `Edit ${client.client_id}`;
    $('#client-save').textContent = 'Save';
    $('#client-new').hidden = false;
    clientForm.scrollIntoView();
  }
  function resetClientForm() {
    clientForm.reset();
    clientForm.elements.client_id.value = '';
    $('#client-form-title').textContent = 'Create a client';
    $('#client-save').textContent = 'Create';
    $('#client-new').hidden = true;
  }
  $('#client-new').addEventListener('click', resetClientForm);
  clientForm.addEventListener(
    'submit',
    guarded(async () => {
      const f = clientForm.elements;
      const fields = {
        client_name: f.client_name.value.trim(),
        client_description: f.client_description.value.trim(),
        scopes: f.scopes.value.split(/\s+/).filter(Boolean),
        trusted_metadata: parseJsonObject(f.trusted_metadata.value, 'trusted_metadata'),
      };
      const id = f.client_id.value;
      if (id) {
        await api('PUT', `/v1/m2m/clients/${encodeURIComponent(id)}`, fields);
        notify(`Saved ${id}`);
      } else {
        const { m2m_client: created } = await api('POST', '/v1/m2m/clients', fields);
        revealSecret(`Secret of ${created.client_name || created.client_id} (${created.client_id})`, created.client_secret);
        notify(`Created ${created.client_id}`);
      }
      resetClientForm();
      await loadClients();
    }),
  );
  $('#client-search').addEventListener(
    'submit',
    guarded(() => loadClients()),
  );
  $('#clients-more').addEventListener(
    'click',
    guarded(() => loadClients(true)),
  );

  // Signing keys
  async function loadKeys() {
    const { signing_keys: keys } = await api('GET', '/v1/local/signing-keys');
    $('#keys tbody').replaceChildren(
      ...keys.map((k) => {
        const tr = document.createElement('tr');
        const state = k.state === 'next' && k.activatable_at ? `next (may sign from ${when(k.activatable_at)})` : k.state;
        tr.append(cell(k.kid), cell(state), cell(when(k.created_at)), cell(when(k.activated_at)), cell(when(k.published_until)));
        return tr;
      }),
    );
  }
  $('#keys-rotate').addEventListener(
    'submit',
    guarded(async () => {
      const f = $('#keys-rotate').elements;
      const body = { force: f.force.checked, revoke_previous: f.revoke_previous.checked };
      if (body.revoke_previous && !window.confirm('Revoke the previous key? Every token it signed stops verifying.')) return;
      const rotated = await api('POST', '/v1/local/signing-keys/rotate', body);
      notify(`Rotated: ${rotated.kid} signs now`);
      await loadKeys();
    }),
  );

  // Custom claims
  async function loadClaims() {
    const { custom_claims_template: template } = await api('GET', '/v1/local/m2m/custom-claims-template');
    $('#claims-form').elements.template.value = JSON.stringify(template ?? {}, null, 2);
    const { m2m_clients: clients } = await api('POST', '/v1/m2m/clients/search', { limit: 500 });
    const select = $('#claims-preview').elements.client_id;
    const chosen = select.value;
    select.replaceChildren(
      ...clients.map((c) => {
        const option = document.createElement('option');
        option.value = c.client_id;
        option.textContent = `${c.client_name || '(no name)'} · ${c.client_id}`;
        return option;
      }),
    );
    if (chosen) select.value = chosen;
  }
  $('#claims-form').addEventListener(
    'submit',
    guarded(async () => {
      const template = parseJsonObject($('#claims-form').elements.template.value, 'The template');
      await api('PUT', '/v1/local/m2m/custom-claims-template', template);
      notify(Object.keys(template).length ? 'Template saved: the next tokens carry these claims' : 'Template cleared');
    }),
  );
  $('#claims-preview').addEventListener(
    'submit',
    guarded(async () => {
      const f = $('#claims-preview').elements;
      const { claims } = await api('POST', '/v1/local/m2m/custom-claims-preview', {
        client_id: f.client_id.value,
        template: parseJsonObject($('#claims-form').elements.template.value, 'The template'),
        request: parseJsonObject(f.request.value, 'The extra parameters'),
      });
      $('#claims-result').textContent = JSON.stringify(claims, null, 2);
    }),
  );

  // Token inspector
  $('#inspect-form').addEventListener(
    'submit',
    guarded(async () => {
      const token = $('#inspect-form').elements.token.value.trim();
      const result = await api('POST', '/v1/local/tokens/inspect', { token });
      const signature = $('#inspect-signature');
      signature.textContent = `Signature: ${result.signature.valid ? 'valid' : 'INVALID'} (${result.signature.detail}; kid ${result.signature.kid ?? 'none'})`;
      signature.className = result.signature.valid ? 'ok' : 'error';
      const expiry = $('#inspect-expiry');
      expiry.textContent = result.expiry.expires_at
        ? `Expiry: ${when(result.expiry.expires_at)} (${result.expiry.expired ? 'EXPIRED' : `${result.expiry.seconds_left} s left`})`
        : 'Expiry: none (no exp claim)';
      expiry.className = result.expiry.expired ? 'error' : 'ok';
      const issuer = $('#inspect-issuer');
      issuer.textContent = `Issuer ${result.issuer_matches ? 'is this server' : 'is NOT this server'}; audience ${result.audience_matches ? 'holds this project' : 'does NOT hold this project'}`;
      issuer.className = result.issuer_matches && result.audience_matches ? 'ok' : 'error';
      $('#inspect-header').textContent = JSON.stringify(result.header, null, 2);
      $('#inspect-claims').textContent = JSON.stringify(result.claims, null, 2);
      $('#inspect-result').hidden = false;
    }),
  );

  // Audit feed: the newest page, then polling for what is newer
  let newestEventId = null;
  let auditCursor = null;
  function auditRow(e) {
    const tr = document.createElement('tr');
    tr.dataset.type = e.type;
    const detail = [e.reason, e.details && JSON.stringify(e.details)].filter(Boolean).join(' ');
    tr.append(
      cell(new Date(e.at).toLocaleString()),
      cell(e.type),
      cell(e.actor),
      cell(e.client_id),
      cell(e.scopes && e.scopes.join(' ')),
      cell(detail),
      cell(e.request_id),
    );
    return tr;
  }
  async function pollAudit() {
    const tbody = $('#audit tbody');
    if (newestEventId === null) {
      const page = await api('GET', '/v1/local/audit?limit=50');
      tbody.replaceChildren(...page.events.map(auditRow));
      newestEventId = page.events.length ? page.events[0].event_id : 0;
      auditCursor = page.next_cursor;
      $('#audit-more').hidden = !auditCursor;
      return;
    }
    for (;;) {
      const page = await api('GET', `/v1/local/audit?after=${newestEventId}&limit=200`);
      for (const e of page.events) tbody.prepend(auditRow(e));
      if (page.events.length) newestEventId = page.events[page.events.length - 1].event_id;
      if (page.events.length < 200) return;
    }
  }
  $('#audit-more').addEventListener(
    'click',
    guarded(async () => {
      const page = await api('GET', `/v1/local/audit?limit=50&cursor=${encodeURIComponent(auditCursor)}`);
      $('#audit tbody').append(...page.events.map(auditRow));
      auditCursor = page.next_cursor;
      $('#audit-more').hidden = !auditCursor;
    }),
  );
  // Polled only while the feed is shown, so an unattended console still reaches its idle timeout.
  async function auditLoop() {
    if (!$('#tab-audit').hidden) {
      try {
        await pollAudit();
      } catch (err) {
        notify(`Audit feed: ${err.message}`, true);
      }
    }
    setTimeout(auditLoop, AUDIT_POLL_MS);
  }

  guarded(loadClients)();
  void auditLoop();
})();
