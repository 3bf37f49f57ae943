/**
 * Runs `work` now and every `everyMs` in the background, never twice at once (a slow run is not doubled), its
 * failures given to `onError`. stop() resolves once a run under way has finished, so shutdown closes the
 * database after it, not under it; `stopping()` tells a long run to end early.
 */
export function repeatInBackground(work: (stopping: () => boolean) => Promise<void>, everyMs: number, onError: (err: unknown) => void): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = () => {
    if (running || stopped) return;
    running = work(() => stopped).catch(onError).finally(() => (running = undefined));
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
