import os from 'node:os';
import type { LoadResult } from '../load/loadSpec';

/** The cores this process may run on (a cpuset or affinity can leave fewer than the host has). */
export const CORES = os.availableParallelism();

/**
 * The most CPU (µs) one request can cost, summed over every process on the machine (the servers and
 * the load generator), for the machine to serve `requestsPerSecond`: its cores give CORES × 10⁶ µs
 * of CPU a second, and nothing more. A target rate whose budget is below what a request's fixed
 * parts cost (an RS256 signature, the wallet's own work) cannot be met on this machine.
 */
export const cpuBudgetMicros = (requestsPerSecond: number): number => (requestsPerSecond > 0 ? (CORES * 1e6) / requestsPerSecond : 0);

/**
 * Where one server thread sets the rate, a case's ratio to its reference is the reference's CPU a
 * request over the case's: what a case may add to the reference's CPU (µs) and still keep `targetRatio`.
 */
export const addedCpuBudgetMicros = (referenceCpuMicros: number, targetRatio: number): number => referenceCpuMicros * (1 / targetRatio - 1);

/** How many cores the measured processes kept busy: requests/s × their CPU a request. */
export const coresBusy = (requestsPerSecond: number, cpuMicrosPerRequest: number): number =>
  (requestsPerSecond * cpuMicrosPerRequest) / 1e6;

/** The load generator's CPU per request it sent (µs): what the load itself costs the shared cores. */
export const generatorCpuPerRequest = (result: LoadResult | undefined): number =>
  result && result.requests > 0 ? result.generatorCpuMicros / result.requests : 0;
