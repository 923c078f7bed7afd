import { removeSigningKeyPool } from './signingKeys';

/** jest's global teardown, after the last test file: what the global setup made and no test owns. */
export default function globalTeardown(): void {
  removeSigningKeyPool();
}
