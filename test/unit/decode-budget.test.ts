import { describe, expect, it } from 'vitest';
import { createDecodeBudget } from '../../src/images/decode-budget.js';
import { ImageRejected } from '../../src/images/rejections.js';

/** A piece of work that runs until its `finish` is called; `started` says whether the budget let it begin. */
function job() {
  let finish!: () => void;
  const state = { started: false, finish: () => finish() };
  const work = () => {
    state.started = true;
    return new Promise<void>((resolve) => (finish = resolve));
  };
  return { state, work };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('decode budget', () => {
  it('when work fits within the budget, then it runs at once, side by side', async () => {
    const budget = createDecodeBudget({ bytes: 100, maxWaiting: 2 });
    const [a, b] = [job(), job()];
    const runs = [budget.run(60, a.work), budget.run(40, b.work)];
    await tick();
    expect([a.state.started, b.state.started]).toEqual([true, true]);
    expect(budget.inUse()).toBe(100);
    a.state.finish();
    b.state.finish();
    await Promise.all(runs);
    expect(budget.inUse()).toBe(0);
  });

  it('when work does not fit, then it waits its turn in arrival order and a later small one does not overtake it', async () => {
    const budget = createDecodeBudget({ bytes: 100, maxWaiting: 2 });
    const [a, big, small] = [job(), job(), job()];
    const runs = [budget.run(60, a.work), budget.run(80, big.work), budget.run(10, small.work)];
    await tick();
    expect([a.state.started, big.state.started, small.state.started]).toEqual([true, false, false]);
    expect(budget.waiting()).toBe(2);
    a.state.finish();
    await runs[0];
    await tick();
    expect([big.state.started, small.state.started]).toEqual([true, true]);
    big.state.finish();
    small.state.finish();
    await Promise.all(runs);
    expect(budget.inUse()).toBe(0);
  });

  it('when one piece of work is larger than the whole budget, then it runs alone rather than never', async () => {
    const budget = createDecodeBudget({ bytes: 100, maxWaiting: 2 });
    const [a, huge] = [job(), job()];
    const runs = [budget.run(10, a.work), budget.run(500, huge.work)];
    await tick();
    expect(huge.state.started).toBe(false);
    a.state.finish();
    await runs[0];
    await tick();
    expect(huge.state.started).toBe(true);
    huge.state.finish();
    await runs[1];
  });

  it('when the queue is full, then more work is refused at once as "server-busy" and takes nothing', async () => {
    const budget = createDecodeBudget({ bytes: 100, maxWaiting: 1 });
    const [a, b] = [job(), job()];
    const runs = [budget.run(100, a.work), budget.run(50, b.work)];
    const refused = await budget.run(1, async () => 'ran').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ImageRejected);
    expect((refused as ImageRejected).rejection).toEqual({ reason: 'server-busy' });
    expect(budget.inUse()).toBe(100);
    a.state.finish();
    await runs[0];
    await tick();
    b.state.finish();
    await runs[1];
    expect(budget.inUse()).toBe(0);
  });

  it('when work fails, then its share is given back and the next one runs', async () => {
    const budget = createDecodeBudget({ bytes: 100, maxWaiting: 1 });
    const next = job();
    const failing = budget.run(100, async () => {
      await tick();
      throw new Error('decoder failed');
    });
    const after = budget.run(100, next.work);
    await expect(failing).rejects.toThrow('decoder failed');
    await tick();
    expect(next.state.started).toBe(true);
    next.state.finish();
    await after;
    expect(budget.inUse()).toBe(0);
  });
});
