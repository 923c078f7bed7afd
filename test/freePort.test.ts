/** freePort: ports a child process binds later, out of the kernel's reach and unique in the run. */
import fs from 'node:fs';
import net from 'node:net';
import { freePort, portBlock } from './support/freePort';

const listenOn = (port: number) =>
  new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

// Linux says where its range starts; elsewhere (macOS) it is the IANA dynamic range, from 49152.
const RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';
const ephemeralLow = fs.existsSync(RANGE_FILE) ? Number(fs.readFileSync(RANGE_FILE, 'utf8').trim().split(/\s+/)[0]) : 49_152;

it('hands out distinct ports of this worker block, all below the kernel ephemeral range', async () => {
  const ports = [];
  for (let i = 0; i < 50; i++) ports.push(await freePort());
  expect(new Set(ports).size).toBe(50);
  for (const port of ports) {
    expect(port).toBeGreaterThanOrEqual(portBlock.first);
    expect(port).toBeLessThan(Math.min(portBlock.first + portBlock.size, ephemeralLow));
  }
});

it('skips a port something else is listening on', async () => {
  const taken = await freePort();
  // The next three ports of the block, in the order freePort walks it.
  const offset = taken - portBlock.first;
  const occupied = [1, 2, 3].map((i) => portBlock.first + ((offset + i) % portBlock.size));
  const servers = await Promise.all(occupied.map(listenOn));
  try {
    const port = await freePort();
    expect(occupied).not.toContain(port);
    (await listenOn(port)).close();
  } finally {
    for (const server of servers) server.close();
  }
});
