// The part of autocannon's API the load test uses (the package ships no types).
declare module 'autocannon' {
  type Histogram = { average: number; mean: number; total: number; min: number; max: number; p50: number; p90: number; p99: number };
  type Options = {
    url: string;
    connections?: number;
    duration?: number;
    timeout?: number;
    headers?: Record<string, string>;
    requests?: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }[];
  };
  type Result = { requests: Histogram; latency: Histogram; throughput: Histogram; errors: number; timeouts: number; non2xx: number; duration: number };
  export default function autocannon(options: Options): Promise<Result>;
}
