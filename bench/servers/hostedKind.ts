/**
 * A server the bench can run in its own process: `start` builds and listens, then the bench
 * asks for stats (RSS...) and optional commands by name, and finally closes it.
 */
export interface HostedServer<Info> {
  info: Info;
  close(): Promise<void>;
  /** Counters worth reporting (cache sizes...). */
  stats?(): Record<string, number>;
  /** Named operations the bench can run inside the server's process. */
  commands?: Record<string, (args: unknown) => Promise<unknown>>;
}

export interface HostedKind<Options, Info> {
  start(options: Options): Promise<HostedServer<Info>>;
}

export function defineKind<Options, Info>(start: (options: Options) => Promise<HostedServer<Info>>): HostedKind<Options, Info> {
  return { start };
}
