import type { Generated } from 'kysely';

/** The tables as both dialects hold them (migrations/sqlite and migrations/postgres); flags are 0 or 1. */
export type Tables = {
  users: { id: Generated<number>; username: string; password_hash: string; created_at: number; share_location: Generated<0 | 1> };
  sessions: { sid: string; data: string; expires_at: number };
  images: {
    seq: Generated<number>;
    id: string;
    owner_id: number;
    visibility: 'public' | 'private';
    original_name: string;
    format: string;
    bytes: number;
    width: number;
    height: number;
    colour_hex: string;
    colour_name: string;
    classified: 0 | 1;
    created_at: number;
    /** JSON: [{ name, probability }] in rank order; null until classified. */
    labels: string | null;
    /** The camera's clock ('2019-08-26T12:45:35') and its UTC offset ('+09:00'), when recorded. */
    taken_at: string | null;
    taken_offset: string | null;
    /** JSON: CameraDetails (camera, lens, exposure, place); null until read (images stored before migration 011). */
    details: string | null;
    /** ms: the camera's clock read as UTC, or the upload time; the order "by date taken". */
    shot_at: number;
    /** JSON: [{ name, hex, share }], most of the image first; null until read (images stored before migration 012). */
    palette: string | null;
    /** 1 once the terms carry strengths (migration 012); 0 rows are ranked again in the background. */
    terms_version: Generated<number>;
    /** Hex SHA-256 of the original's bytes; null until read (images stored before migration 014). */
    sha256: string | null;
    /** The perceptual hash's four 16-bit bands; null until read (images stored before migration 015). */
    phash_0: number | null;
    phash_1: number | null;
    phash_2: number | null;
    phash_3: number | null;
    /** JSON: the owner's corrections (src/images/corrections.ts); null when there are none (migration 017). */
    corrections: Generated<string | null>;
    /** base64: MobileNet's 1280-value embedding, a byte each (src/images/embedding.ts); null until classified (migration 018). */
    embedding: Generated<string | null>;
    /** The top label's next more general word, where look-alikes are looked for (src/images/alike.ts; migration 018). */
    alike_key: Generated<string | null>;
  };
  /** Kept by triggers (migration 009): never written by the app. */
  image_totals: { owner_id: number; visibility: 'public' | 'private'; images: number; bytes: number };
  image_terms: { term: string; public: 0 | 1; image_seq: number; owner_id: number; strength: number };
  /** `image`: the images row as JSON, as it was when trashed (migration 016). */
  trashed_images: { id: string; owner_id: number; trashed_at: number; original_name: string; format: string; image: string };
  pending_files: { id: string; format: string; created_at: number };
  rate_limits: { key: string; hits: number; reset_at: number };
  api_tokens: {
    id: Generated<number>;
    user_id: number;
    name: string;
    secret_hash: string;
    scope: 'read' | 'read-write';
    created_at: number;
    expires_at: number | null;
    last_used_at: number | null;
  };
};
