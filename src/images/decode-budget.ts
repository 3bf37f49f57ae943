import { ImageRejected } from './rejections.js';

/**
 * One per app: the memory that decodes in flight may hold, across every request. Work that does not fit waits
 * its turn in arrival order (a large file is not overtaken for ever by small ones); work larger than the
 * whole budget runs alone. The queue is bounded: past it, work is refused at once as "server-busy" instead
 * of piling up requests, files and sockets behind decodes that cannot start.
 */
export type DecodeBudget = {
  run<T>(bytes: number, work: () => Promise<T>): Promise<T>;
  /** Bytes taken by work running now. */
  inUse(): number;
  /** Pieces of work waiting for their turn. */
  waiting(): number;
};

// Every upload has at most one file in sharp at a time, so this is about how many uploads may wait.
const MAX_WAITING = 16;
// The budget is what one whole-frame decode (4 bytes a pixel) of the largest image accepted holds.
const BUDGET_BYTES_PER_MAX_PIXEL = 4;

export function defaultDecodeBudget(maxPixels: number): DecodeBudget {
  return createDecodeBudget({ bytes: maxPixels * BUDGET_BYTES_PER_MAX_PIXEL, maxWaiting: MAX_WAITING });
}

export function createDecodeBudget(opts: { bytes: number; maxWaiting: number }): DecodeBudget {
  let inUse = 0;
  const queue: { cost: number; start: () => void }[] = [];
  const fits = (cost: number) => inUse === 0 || inUse + cost <= opts.bytes;

  const admitWaiting = () => {
    while (queue.length > 0 && fits(queue[0].cost)) {
      const next = queue.shift()!;
      inUse += next.cost;
      next.start();
    }
  };

  return {
    async run(cost, work) {
      if (queue.length === 0 && fits(cost)) inUse += cost;
      else if (queue.length >= opts.maxWaiting) throw new ImageRejected({ reason: 'server-busy' });
      else await new Promise<void>((start) => queue.push({ cost, start })); // admitWaiting takes the share for it
      try {
        return await work();
      } finally {
        inUse -= cost;
        admitWaiting();
      }
    },
    inUse: () => inUse,
    waiting: () => queue.length,
  };
}
