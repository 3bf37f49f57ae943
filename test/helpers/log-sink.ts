import { Writable } from 'node:stream';

/** A destination for createLogger that keeps every line written to it. */
export function logSink(): { lines: string[]; sink: Writable } {
  const lines: string[] = [];
  return { lines, sink: new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }) };
}
