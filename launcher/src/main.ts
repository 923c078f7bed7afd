import { loadDotenv } from '@m2m/shared/config';
import { launchStack } from './launchStack';
import { stackBanner } from './banner';

// `npm start`: the whole stack in one terminal. Each server also starts alone (npm start -w <server>).
async function main(): Promise<void> {
  const env = { ...process.env };
  loadDotenv(env);
  // isTTY is undefined, not false, when the output is piped (whatever its declared type says).
  const pretty = (process.stdout.isTTY as boolean | undefined) === true;
  const stack = await launchStack({ env, output: process.stdout, pretty });
  process.stdout.write(stackBanner(stack, env) + '\n');

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stack.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  const death = await stack.died;
  process.stderr.write(`${death.name} exited (code ${death.code}); stopping the others\n`);
  await stop(1);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
