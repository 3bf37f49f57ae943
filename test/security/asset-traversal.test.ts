// Regression for what the black-box audit found to hold: no spelling of "go up a folder" under /assets serves a
// file from outside public/. The paths go out byte for byte over a raw HTTP request (a URL parser, superagent's
// included, would resolve the dot segments before they reached the server).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedInAgent, type TestApp } from '../helpers/app.js';
import { repoRoot } from '../helpers/fixtures.js';

const publicDir = path.join(repoRoot, 'public');
/** Every file public/ holds: the only bodies /assets may ever answer with. */
const publicFiles = (readdirSync(publicDir, { recursive: true, withFileTypes: true }))
  .filter((entry) => entry.isFile())
  .map((entry) => readFileSync(path.join(entry.parentPath, entry.name)));

/**
 * Files next to public/ (and one far from it) an attacker would want, with a piece of each to look for: the
 * start of the file, or for a template its first line of EJS (the page it renders starts the same way).
 */
const pieceOf = (text: string) => text.split('\n').find((line) => line.includes('<%=')) ?? text.slice(0, 60);
const TARGETS = ['package.json', 'src/config.ts', 'src/app.ts', 'tsconfig.json', 'views/partials/head.ejs', '.git/HEAD']
  .filter((file) => existsSync(path.join(repoRoot, file))) // a checkout from a tarball has no .git
  .map((file) => ({ file, piece: pieceOf(readFileSync(path.join(repoRoot, file), 'utf8')) }))
  .concat([{ file: '/etc/passwd', piece: 'root:x:0:0' }]);

const up = (n: number, sep = '/') => Array.from({ length: n }, () => '..').join(sep);
const depth = repoRoot.split('/').length;

const ATTEMPTS: string[] = [
  '/assets/../package.json',
  '/assets/..%2fpackage.json',
  '/assets/..%2Fpackage.json',
  '/assets/%2e%2e/package.json',
  '/assets/%2E%2E/package.json',
  '/assets/.%2e/package.json',
  '/assets/%2e./package.json',
  '/assets/%2e%2e%2fpackage.json',
  '/assets/%2e%2e/src/config.ts',
  '/assets/%2e%2e%2fsrc%2fconfig.ts',
  '/assets/%252e%252e/package.json',
  '/assets/..%252fpackage.json',
  '/assets/..\\package.json',
  '/assets/..%5cpackage.json',
  '/assets/..%5Csrc%5Capp.ts',
  '/assets/js/../../package.json',
  '/assets/js/..%2f..%2fpackage.json',
  '/assets/js/%2e%2e/%2e%2e/src/config.ts',
  '/assets/....//package.json',
  '/assets/..;/package.json',
  '/assets/..%00/package.json',
  '/assets/%00/../package.json',
  '/assets/package.json%00.css',
  '/assets/%c0%ae%c0%ae/package.json',
  '/assets/%c0%ae%c0%ae%c0%afpackage.json',
  '/assets/%e0%80%ae%e0%80%ae/package.json',
  '/assets/..%u2216package.json',
  '/assets/../views/partials/head.ejs',
  '/assets/%2e%2e/.git/HEAD',
  '/assets/%2e%2e/tsconfig.json',
  '/assets//etc/passwd',
  '/assets/%2fetc%2fpasswd',
  `/assets/${encodeURIComponent(path.join(repoRoot, 'package.json'))}`,
  `/assets/${up(depth + 2)}/etc/passwd`,
  `/assets/${up(depth + 2).replaceAll('..', '%2e%2e')}/etc/passwd`,
  `/assets/${up(depth + 2, '%2f')}%2fetc%2fpasswd`,
  `/assets/${up(depth + 2, '\\')}\\etc\\passwd`,
];

type Answer = { status: number; type: string; body: Buffer };

let t: TestApp;
let server: Server;
let port: number;
let signedInCookie: string;
beforeAll(async () => {
  t = await createTestApp();
  const agent = await signedInAgent(t, 'traveller');
  signedInCookie = agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).toValueString();
  server = createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await t.close();
});

/** GET `rawPath` exactly as written: Node's client sends the path it is given without resolving it. */
function get(rawPath: string, cookie?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: rawPath, headers: cookie ? { cookie } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'] ?? '', body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function expectNothingOutsidePublic(answer: Answer, what: string) {
  const text = answer.body.toString('latin1');
  for (const target of TARGETS) expect(text.includes(target.piece), `${what} answered ${answer.status} with ${target.file}`).toBe(false);
  // Whatever is served (a 200) is one of public/'s own files, or a page the app rendered itself.
  const appPage = answer.type.startsWith('text/html') && /<title>[^<]* · Image Repo<\/title>/.test(text);
  if (answer.status === 200 && !appPage) {
    expect(publicFiles.some((file) => file.equals(answer.body)), `${what} served a file that is not in public/`).toBe(true);
  }
  expect(answer.status, what).not.toBeGreaterThanOrEqual(500);
}

describe('path traversal under /assets', () => {
  it('when a real asset is asked for the same raw way, then it is served (so the refusals below are not the harness)', async () => {
    const answer = await get('/assets/app.css');
    expect(answer.status).toBe(200);
    expect(answer.body.equals(readFileSync(path.join(publicDir, 'app.css')))).toBe(true);
    // A dot segment that stays inside public/ may resolve, but only to public/'s own file.
    const inside = await get('/assets/js/../app.css');
    if (inside.status === 200) expect(inside.body.equals(readFileSync(path.join(publicDir, 'app.css')))).toBe(true);
  });

  it.each(ATTEMPTS)('when an anonymous visitor asks for %s, then nothing from outside public/ is served', async (attempt) => {
    expectNothingOutsidePublic(await get(attempt), attempt);
  });

  it.each(ATTEMPTS)('when a signed-in user asks for %s, then nothing from outside public/ is served', async (attempt) => {
    expectNothingOutsidePublic(await get(attempt, signedInCookie), attempt);
  });
});
