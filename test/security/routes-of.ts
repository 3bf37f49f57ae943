import type { Express } from 'express';

/** One route the app answers: `GET /images/:id/file`. */
export type RouteKey = `${string} /${string}`;

type Layer = {
  rawPath?: unknown;
  slash?: boolean;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
};

/**
 * Every method + path the app's router (and the routers mounted in it) declares, read from Express 5's
 * `app.router` (router 2.x keeps each layer's `rawPath`), so a route added later shows up here untold.
 */
export function routesOf(app: Express): RouteKey[] {
  const root = (app as unknown as { router: { stack: Layer[] } }).router;
  const found = new Set<RouteKey>();
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of [layer.route.path].flat()) {
          if (typeof path !== 'string') throw new Error(`route ${String(path)} is not a plain path: give it a row by hand`);
          for (const method of Object.keys(layer.route.methods)) {
            if (method === '_all') throw new Error(`app.all('${path}') answers every method: list its methods instead`);
            found.add(`${method.toUpperCase()} ${join(prefix, path)}` as RouteKey);
          }
        }
      } else if (layer.handle?.stack) {
        const mount = layer.slash || typeof layer.rawPath !== 'string' ? '' : layer.rawPath;
        walk(layer.handle.stack, join(prefix, mount));
      }
    }
  };
  walk(root.stack, '');
  return [...found].sort();
}

function join(prefix: string, path: string): string {
  const joined = `${prefix.replace(/\/$/, '')}/${path.replace(/^\//, '')}`;
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

/**
 * Routes that show, count, serve or change images: the gallery, anything under /images, search, the trash, a
 * selection, any :param route but the account's (its tokens are checked by test/http/api-tokens.test.ts).
 */
export const touchesImages = (key: RouteKey): boolean => {
  const path = key.slice(key.indexOf(' ') + 1);
  return path === '/' || (!path.startsWith('/account/') && /image|search|gallery|thumb|file|download|trash|selection|:/i.test(path));
};
