import { listen, closeServer } from '@m2m/shared';
import { httpProbe } from '../src/httpProbe';
import { freePort } from '../../test/support/freePort';

describe('httpProbe (the launcher readiness probe)', () => {
  it('says ok to a 2xx, and gives the status of any other answer', async () => {
    let status = 200;
    const server = await listen((_req, res) => res.writeHead(status).end(), 0, '127.0.0.1', 'PORT');
    try {
      expect(await httpProbe(`${server.url}readyz`, 1_000)).toEqual({ ok: true });
      status = 503;
      expect(await httpProbe(`${server.url}readyz`, 1_000)).toEqual({ ok: false, reason: 'HTTP 503' });
    } finally {
      await closeServer(server.server);
    }
  });

  it('gives the network error when nothing listens', async () => {
    expect(await httpProbe(`http://127.0.0.1:${await freePort()}/readyz`, 1_000)).toEqual({ ok: false, reason: 'ECONNREFUSED' });
  });

  it('gives up after its timeout on a server that never answers', async () => {
    const server = await listen(() => {}, 0, '127.0.0.1', 'PORT');
    try {
      expect(await httpProbe(`${server.url}readyz`, 200)).toEqual({ ok: false, reason: 'no answer within 200 ms' });
    } finally {
      server.server.closeAllConnections();
      await closeServer(server.server);
    }
  });
});
