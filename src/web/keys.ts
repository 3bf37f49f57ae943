import { hkdfSync } from 'node:crypto';

/** One key per purpose from SESSION_SECRET, so a token made for one use is worthless for another. */
export function deriveKey(secret: string, purpose: 'csrf' | 'cursor'): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'image-repo', purpose, 32));
}
