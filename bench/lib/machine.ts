import os from 'node:os';

export interface Machine {
  cores: number;
  model: string;
  memory: string;
  node: string;
  platform: string;
  date: string;
  /** 1, 5 and 15-minute load averages: how busy the machine already was. */
  loadAverage: string;
}

export function describeMachine(now = new Date()): Machine {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    model: cpus[0]?.model.trim() ?? 'unknown',
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB`,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: now.toISOString(),
    loadAverage: os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' / '),
  };
}
