import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * What a monitoring system scrapes from /metrics: the process (event-loop lag, CPU, memory, from prom-client's
 * defaults), requests by route, and the work of uploads. One registry per app, made only when METRICS_TOKEN
 * is set, so a server without it keeps no histograms and no event-loop monitor.
 */
export function createMetrics(classifierQueueDepth: () => number) {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requestSeconds: new Histogram({
      name: 'http_request_duration_seconds', help: 'Time to answer a request, by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers,
    }),
    uploads: new Counter({ name: 'image_repo_uploads_total', help: 'Upload requests (POST /images) answered, by status.', labelNames: ['status'], registers }),
    files: new Counter({
      name: 'image_repo_upload_files_total', help: 'Files of uploads: "stored", or the reason one was refused.', labelNames: ['outcome'], registers,
    }),
    analysisSeconds: new Histogram({
      name: 'image_repo_analysis_seconds', help: 'Decoding one file, its colour and its thumbnail.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers,
    }),
    classificationSeconds: new Histogram({
      name: 'image_repo_classification_seconds', help: 'Classifying one image, the wait for a worker included.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers,
    }),
    classifierQueue: new Gauge({
      name: 'image_repo_classifier_queue_depth', help: 'Images waiting for a free classifier worker.', registers,
      collect() {
        this.set(classifierQueueDepth());
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Times a piece of work into `histogram`, whether it succeeds or fails. */
export async function timed<T>(histogram: Histogram | undefined, work: () => Promise<T>): Promise<T> {
  if (!histogram) return work();
  const stop = histogram.startTimer();
  try {
    return await work();
  } finally {
    stop();
  }
}
