import { describe, expect, it } from 'vitest';
import { SIZE_TTL_MS, termSizeCache } from '../../src/search/term-sizes.js';
import { manualClock } from '../helpers/app.js';

describe('termSizeCache', () => {
  it('when a size was counted, then it is known to that viewer for a minute and then counted again', () => {
    const clock = manualClock();
    const sizes = termSizeCache(clock.now);
    sizes.set(1, 'dog', 120);
    expect(sizes.get(1, 'dog')).toBe(120);
    expect(sizes.get(2, 'dog')).toBeUndefined(); // another viewer sees other private images
    clock.advance(SIZE_TTL_MS - 1);
    expect(sizes.get(1, 'dog')).toBe(120);
    clock.advance(1);
    expect(sizes.get(1, 'dog')).toBeUndefined();
  });

  it('when a term matched nothing, then that is not kept: the next search counts it again', () => {
    const sizes = termSizeCache(manualClock().now);
    sizes.set(1, 'dog', 5);
    sizes.set(1, 'dog', 0);
    expect(sizes.get(1, 'dog')).toBeUndefined();
  });

  it('when very many terms are searched, then the oldest sizes make room and the newest are kept', () => {
    const sizes = termSizeCache(manualClock().now);
    for (let i = 0; i < 10_001; i++) sizes.set(1, `term${i}`, 1);
    expect(sizes.get(1, 'term0')).toBeUndefined();
    expect(sizes.get(1, 'term1')).toBe(1);
    expect(sizes.get(1, 'term10000')).toBe(1);
  });
});
