// The few parts of autocannon's API the benchmark uses (the package ships no types).
declare module "autocannon" {
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
  }
  interface Options {
    url: string;
    method?: string;
    connections?: number;
    duration?: number;
    headers?: Record<string, string>;
    requests?: Array<{ setupRequest?: (req: Record<string, unknown>) => Record<string, unknown> }>;
  }
  export default function autocannon(options: Options): Promise<Result>;
}
