import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseRange, rangeResponse } from '../../src/storage/index.js';

describe('parseRange', () => {
  it.each([
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=100-', { start: 100, end: 999 }],
    ['bytes=-100', { start: 900, end: 999 }],
    ['bytes=-5000', { start: 0, end: 999 }],
    ['bytes=990-5000', { start: 990, end: 999 }],
    ['bytes=999-999', { start: 999, end: 999 }],
    ['Bytes = 1 - 2', { start: 1, end: 2 }],
  ])('when the header is %j on 1,000 bytes, then it means %j', (header, range) => {
    expect(parseRange(header, 1000)).toEqual(range);
  });

  it.each(['bytes=1000-', 'bytes=1000-2000', 'bytes=-0'])('when %j asks for nothing of 1,000 bytes, then it is unsatisfiable (416)', (header) => {
    expect(parseRange(header, 1000)).toBe('unsatisfiable');
  });

  it('when the object is empty, then every range is unsatisfiable', () => {
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=-1', 0)).toBe('unsatisfiable');
  });

  it.each([undefined, '', 'bytes=', 'bytes=-', 'bytes=5-2', 'bytes=0-1,3-4', 'items=0-1', 'bytes=a-b', 'bytes=1.5-2', 'bytes=0-99999999999999999999'])(
    'when the header is %j, then it is ignored (the whole object is sent)', (header) => {
      expect(parseRange(header, 1000)).toBeUndefined();
    });
});

describe('rangeResponse', () => {
  const object = {
    body: Readable.from([]), size: 1000, contentType: 'image/png', lastModified: new Date('2026-01-02T03:04:05Z'), etag: '"abc"',
  };

  it('when the whole object is sent, then 200 with its length and validators', () => {
    expect(rangeResponse(object)).toEqual({
      status: 200,
      headers: {
        'Content-Type': 'image/png', 'Content-Length': '1000', 'Accept-Ranges': 'bytes', ETag: '"abc"',
        'Last-Modified': 'Fri, 02 Jan 2026 03:04:05 GMT',
      },
    });
  });

  it('when a range is sent, then 206 with Content-Range and the length of the part', () => {
    const { status, headers } = rangeResponse({ ...object, range: { start: 900, end: 999 } });
    expect(status).toBe(206);
    expect(headers).toMatchObject({ 'Content-Range': 'bytes 900-999/1000', 'Content-Length': '100' });
  });

  it('when the range is unsatisfiable, then 416 with the size', () => {
    expect(rangeResponse({ unsatisfiable: true, size: 1000 })).toEqual({
      status: 416, headers: { 'Content-Range': 'bytes */1000', 'Accept-Ranges': 'bytes' },
    });
  });
});
