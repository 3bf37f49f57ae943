const MAX_USERNAME = 32;
const USERNAME = new RegExp(`^[A-Za-z0-9_.-]{3,${MAX_USERNAME}}$`);
const MIN_PASSWORD = 8;
// bcrypt silently ignores everything after 72 bytes; refuse rather than pretend.
const MAX_PASSWORD_BYTES = 72;

export type Registration = { username: string; password: string; confirm: string };
export type FieldErrors = Partial<Record<keyof Registration, string>>;

export function validateRegistration(input: Registration): FieldErrors {
  const errors: FieldErrors = {};
  if (!USERNAME.test(input.username)) {
    errors.username = `Usernames are 3 to ${MAX_USERNAME} letters, digits, "_", "." or "-" (no spaces).`;
  }
  const tooLong = passwordTooLong(input.password);
  if (input.password.length < MIN_PASSWORD) {
    errors.password = `Passwords need at least ${MIN_PASSWORD} characters.`;
  } else if (tooLong) {
    errors.password = tooLong;
  }
  if (!errors.password && input.password !== input.confirm) {
    errors.confirm = 'The two passwords do not match.';
  }
  return errors;
}

/** Registration and login refuse the same passwords, with the same words. */
export function passwordTooLong(password: string): string | undefined {
  return Buffer.byteLength(password) > MAX_PASSWORD_BYTES ? `Passwords can be at most ${MAX_PASSWORD_BYTES} bytes long.` : undefined;
}

/**
 * The name a login looks up, and so the name the login limit counts: one function for both, since a limit that
 * read more characters than the lookup gave every longer spelling of a name a fresh count.
 */
// Control characters dropped: no name holds one (registration refuses them), and PostgreSQL refuses a NUL,
// which would otherwise reach it in the login limiter's key.
export const loginUsername = (body: unknown): string => field(body, 'username', MAX_USERNAME).replace(/[\u0000-\u001f\u007f]/g, '');

/** Form fields arrive as anything: keep strings, cut absurd lengths, turn the rest into ''. */
export function field(body: unknown, name: string, max = 200): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, max) : '';
}

/** Only same-site paths: "/images/1" yes; "//evil.example", "https://…", "/\\evil", "/..//evil" no. */
export function safeReturnPath(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.length > 2000) return undefined;
  if (/[\\\s\u0000-\u001f]/.test(raw)) return undefined;
  const url = new URL(raw, 'http://same.invalid');
  const path = url.pathname + url.search;
  // Checked after normalisation: dot segments ("/..//evil", "/%2e//evil") collapse into "//evil", which a
  // browser reads as another host.
  return url.origin === 'http://same.invalid' && !path.startsWith('//') ? path : undefined;
}
