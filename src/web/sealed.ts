import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export type Sealer = { seal(value: unknown): string; open(token: string): unknown };

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Values handed to the browser that it must neither read nor change (the position a page link carries):
 * AES-256-GCM, so a token says nothing about what it holds and a tampered one is refused.
 */
export function createSealer(key: Buffer): Sealer {
  return {
    seal(value) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
    },
    /** Undefined for anything this sealer did not make. */
    open(token) {
      const raw = Buffer.from(token, 'base64url');
      if (raw.length <= IV_BYTES + TAG_BYTES || raw.toString('base64url') !== token) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
        decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
        const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
        return JSON.parse(text) as unknown;
      } catch {
        return undefined;
      }
    },
  };
}
