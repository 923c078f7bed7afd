export interface BenchArgs {
  quick: boolean;
  /** Scenario numbers to run; empty = all. */
  only: number[];
  help: boolean;
}

export const USAGE = `npm run bench -- [--quick] [--only 1,3]
  --quick      each scenario runs for a few seconds (CI)
  --only N,M   run only these scenarios (1-7)
  --help       this text`;

export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = { quick: false, only: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') args.quick = true;
    else if (arg === '--help' || arg === '-h') args.help = true;
    else if (arg === '--only' || arg?.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      args.only = (value ?? '').split(',').map((n) => Number(n.trim()));
      if (args.only.some((n) => !Number.isInteger(n) || n < 1 || n > 7))
        throw new Error(`--only takes scenario numbers 1-7, got "${value}"`);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return args;
}
