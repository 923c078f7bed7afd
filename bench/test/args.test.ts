import { parseArgs } from '../lib/args';

describe('npm run bench arguments', () => {
  it('runs everything in full by default, and --quick / --only narrow it', () => {
    expect(parseArgs([])).toEqual({ quick: false, only: [], help: false });
    expect(parseArgs(['--quick', '--only', '2,7'])).toEqual({ quick: true, only: [2, 7], help: false });
    expect(parseArgs(['--only=3'])).toEqual({ quick: false, only: [3], help: false });
  });

  it('refuses unknown arguments and scenario numbers that do not exist', () => {
    expect(() => parseArgs(['--fast'])).toThrow('unknown argument --fast');
    expect(() => parseArgs(['--only', '8'])).toThrow('--only takes scenario numbers 1-7');
    expect(() => parseArgs(['--only'])).toThrow('--only takes scenario numbers 1-7');
  });
});
