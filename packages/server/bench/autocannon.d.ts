// The few parts of autocannon's API the benchmark uses (the package ships no types).
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  interface Latency {
    p50: number;
    p90: number;
    p97_5: number;
    p99: number;
    average: number;
  }
  interface Result {
    requests: { average: number; total: number };
    latency: Latency;
    errors: number;
    non2xx: number;
    duration: number;
  }
  interface Options {
    url: string;
    method?: string;
    connections?: number;
    duration?: number;
    /** Stop after this many requests instead of after `duration`. */
    amount?: number;
    /** Requests per second over all connections (a fixed rate instead of as fast as possible). */
    overallRate?: number;
    headers?: Record<string, string>;
    requests?: Array<{
      body?: string;
      setupRequest?: (req: Record<string, unknown>) => Record<string, unknown>;
    }>;
  }
  /** With a callback: returns the tracker, which emits `response` (client, status, bytes, responseTimeMs). */
  export default function autocannon(
    options: Options,
    callback: (error: Error | null, result: Result) => void,
  ): EventEmitter;
}
