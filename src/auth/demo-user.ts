import type { Passwords } from './passwords.js';
import type { UsersRepo } from './users.js';

export const DEMO_USERNAME = 'rishi';
const DEMO_PASSWORD = 'password';

/** Creates the demo account unless it exists; safe to run at every start. */
export async function ensureDemoUser(users: UsersRepo, passwords: Passwords): Promise<void> {
  if (await users.findByUsername(DEMO_USERNAME)) return;
  await users.create(DEMO_USERNAME, await passwords.hash(DEMO_PASSWORD));
}
