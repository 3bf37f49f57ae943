import type { User } from '../auth/users.js';
import { storageSize } from './rejections.js';

export type Usage = { usedBytes: number; quotaBytes: number; text: string };

/**
 * What an upload may still write for its user. Bytes are taken as they arrive, before they reach the scratch
 * folder; they stay taken until the file is stored or dropped, so concurrent uploads of one user share one
 * count and cannot both slip under the quota.
 */
export type QuotaAccount = {
  /** Room for `bytes` more? If so they are taken. */
  take(bytes: number): boolean;
  /** Bytes taken for a file that is not kept. */
  giveBack(bytes: number): void;
  /** Bytes taken for a file that is now stored. */
  kept(bytes: number): void;
  /** What is left for this user, counting every upload of theirs still arriving. */
  left(): number;
  /** The upload is over: whatever it still holds is given back. */
  close(): void;
};

/** The stored bytes (read once while the user has uploads open) and the bytes in flight, per user. */
type Ledger = { stored: number; inFlight: number; open: number };

export function createQuota(images: { storedBytes(ownerId: number): Promise<number> }, quotaBytes: number | undefined) {
  const ledgers = new Map<number, Ledger>();
  const usageOf = (used: number, quota: number): Usage => ({
    usedBytes: used, quotaBytes: quota, text: `${storageSize(used)} of ${storageSize(quota)} used`,
  });

  return {
    /** Undefined means no quota. */
    bytes: quotaBytes,

    /** Null when there is no quota. */
    async usage(user: User): Promise<Usage | null> {
      if (quotaBytes === undefined) return null;
      return usageOf(ledgers.get(user.id)?.stored ?? (await images.storedBytes(user.id)), quotaBytes);
    },

    /** Undefined when there is no quota: nothing to count. */
    async open(user: User): Promise<QuotaAccount | undefined> {
      if (quotaBytes === undefined) return undefined;
      const quota = quotaBytes;
      if (!ledgers.has(user.id)) {
        const stored = await images.storedBytes(user.id);
        // Another upload of theirs may have opened the ledger while this one read the database.
        if (!ledgers.has(user.id)) ledgers.set(user.id, { stored, inFlight: 0, open: 0 });
      }
      const l = ledgers.get(user.id)!;
      l.open++;
      let held = 0;
      let closed = false;
      const release = (bytes: number) => {
        const n = Math.min(bytes, held);
        held -= n;
        l.inFlight -= n;
        return n;
      };
      return {
        take(bytes) {
          if (closed || l.stored + l.inFlight + bytes > quota) return false;
          held += bytes;
          l.inFlight += bytes;
          return true;
        },
        giveBack: (bytes) => void release(bytes),
        kept: (bytes) => void (l.stored += release(bytes)),
        left: () => Math.max(0, quota - l.stored - l.inFlight),
        close() {
          if (closed) return;
          closed = true;
          release(held);
          // With no upload of theirs open, the next one reads the database again (deletes meanwhile included).
          if (--l.open === 0) ledgers.delete(user.id);
        },
      };
    },
  };
}

export type Quota = ReturnType<typeof createQuota>;
