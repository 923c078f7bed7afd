import { addedCpuBudgetMicros, CORES, coresBusy, cpuBudgetMicros, generatorCpuPerRequest } from '../lib/cpuBudget';

describe('CPU budgets', () => {
  it('turns a rate into the CPU a request may cost on these cores, and back', () => {
    expect(cpuBudgetMicros(CORES * 1000)).toBe(1000);
    expect(cpuBudgetMicros(0)).toBe(0);
    expect(coresBusy(4000, 250)).toBe(1);
  });

  it('says what a case may add to its reference and keep a ratio, when one server thread sets the rate', () => {
    // 40 µs at 0.8× is 50 µs: 10 µs more.
    expect(addedCpuBudgetMicros(40, 0.8)).toBeCloseTo(10);
    expect(addedCpuBudgetMicros(40, 1)).toBe(0);
  });

  it("divides the load generator's CPU by the requests it sent", () => {
    const load = { requests: 200, generatorCpuMicros: 5000 } as Parameters<typeof generatorCpuPerRequest>[0];
    expect(generatorCpuPerRequest(load)).toBe(25);
    expect(generatorCpuPerRequest(undefined)).toBe(0);
  });
});
