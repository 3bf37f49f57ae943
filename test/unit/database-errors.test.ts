import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/db/errors.js';

const error = (fields: Record<string, unknown>) => Object.assign(new Error(String(fields.message ?? 'x')), fields);

describe('which database failures answer 503', () => {
  it.each([
    ['PostgreSQL shutting down (57P01)', error({ code: '57P01' })],
    ['a connection exception (08006)', error({ code: '08006' })],
    ['too many connections (53300)', error({ code: '53300' })],
    ['a deadlock (40P01)', error({ code: '40P01' })],
    ['the server refusing the connection', error({ code: 'ECONNREFUSED' })],
    ['no pooled connection in time', error({ message: 'timeout exceeded when trying to connect' })],
    ['a new connection timing out', error({ message: 'Connection terminated due to connection timeout' })],
    ['the server dropping a query', error({ message: 'Connection terminated unexpectedly' })],
    ['a socket error wrapped by the driver', error({ message: 'wrapped', cause: error({ code: 'ECONNRESET' }) })],
    ['SQLite busy past its timeout', error({ code: 'SQLITE_BUSY' })],
    ['SQLite out of disk', error({ code: 'SQLITE_FULL' })],
  ])('when the error is %s, then it is "try again in a minute"', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['a unique violation (23505)', error({ code: '23505' })],
    ['SQLite constraint', error({ code: 'SQLITE_CONSTRAINT_UNIQUE' })],
    ['a syntax error (42601)', error({ code: '42601' })],
    ['a plain bug', new TypeError('x is undefined')],
    ['nothing', undefined],
  ])('when the error is %s, then it is not', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
