// A small HTTP client for the benchmarks: keep-alive, a cookie jar, CSRF tokens, a streamed multipart upload.
import { createReadStream } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import type { BenchPhoto } from './photos.js';

export type Reply = { status: number; headers: IncomingHttpHeaders; body: string; ms: number };
export type Client = ReturnType<typeof httpClient>;

export function httpClient(base: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const cookies = new Map<string, string>();
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');

  function keepCookies(headers: IncomingHttpHeaders) {
    for (const line of headers['set-cookie'] ?? []) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
  }

  /** Sends one request; `write` streams a body. Times from the first byte sent to the last byte received. */
  function request(
    method: string,
    url: string,
    opts: { headers?: Record<string, string | number>; body?: string; write?: (req: http.ClientRequest) => void } = {},
  ): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = http.request(new URL(url, base), { method, agent, headers: { Cookie: cookieHeader(), ...opts.headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          keepCookies(res.headers);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (opts.write) opts.write(req);
      else req.end(opts.body);
    });
  }

  const get = (url: string, headers: Record<string, string> = {}) => request('GET', url, { headers: { Accept: 'text/html', ...headers } });

  async function csrf(url = '/login'): Promise<string> {
    const page = await get(url);
    const match = /name="csrf-token" content="([^"]+)"/.exec(page.body);
    if (!match) throw new Error(`no CSRF token on ${url} (status ${page.status})`);
    return match[1];
  }

  async function login(username: string, password: string): Promise<void> {
    const body = new URLSearchParams({ _csrf: await csrf('/login'), username, password }).toString();
    const reply = await request('POST', '/login', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
      body,
    });
    if (reply.status !== 303 || reply.headers.location !== '/') throw new Error(`login as ${username} failed: ${reply.status}`);
  }

  /**
   * POST /images with every photo in one multipart body, streamed from disk, answered as JSON. The figures
   * upload the same photos again and again, and each upload is to cost what a new photo costs: copies are kept.
   */
  async function upload(photos: BenchPhoto[], visibility = 'public'): Promise<Reply> {
    const token = await csrf('/upload');
    const boundary = `----bench${Date.now().toString(16)}`;
    const fieldPart = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const field = Buffer.from(fieldPart('visibility', visibility) + fieldPart('duplicates', 'keep'));
    const heads = photos.map((p) =>
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="images"; filename="${path.basename(p.file)}"\r\n` +
          'Content-Type: image/jpeg\r\n\r\n',
      ),
    );
    const tail = Buffer.from(`--${boundary}--\r\n`);
    const length = field.length + heads.reduce((n, h, i) => n + h.length + photos[i].bytes + 2, 0) + tail.length;
    return request('POST', '/images', {
      headers: {
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Content-Length': length,
        'X-CSRF-Token': token,
        Accept: 'application/json',
      },
      write: (req) => void streamParts(req, field, heads, photos, tail),
    });
  }

  return { request, get, csrf, login, upload, cookieHeader, close: () => agent.destroy() };
}

async function streamParts(req: http.ClientRequest, field: Buffer, heads: Buffer[], photos: BenchPhoto[], tail: Buffer) {
  const write = (chunk: Buffer) => (req.write(chunk) ? Promise.resolve() : new Promise<void>((r) => req.once('drain', r)));
  await write(field);
  for (let i = 0; i < photos.length; i++) {
    await write(heads[i]);
    for await (const chunk of createReadStream(photos[i].file, { highWaterMark: 256 * 1024 })) await write(chunk as Buffer);
    await write(Buffer.from('\r\n'));
  }
  req.end(tail);
}
