import bcrypt from 'bcrypt';

export type Passwords = {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string | undefined): Promise<boolean>;
};

/** bcrypt on libuv's thread pool, so a hash never blocks other requests. */
export function createPasswords(cost: number): Passwords {
  // Compared against when the username is unknown, so a wrong username takes as long as a wrong password.
  // Made on first need, off the main thread, rather than by a blocking hash at every start.
  let dummyHash: Promise<string> | undefined;
  return {
    hash: (password) => bcrypt.hash(password, cost),
    async verify(password, hash) {
      const against = hash ?? (await (dummyHash ??= bcrypt.hash('not a real password', cost)));
      return (await bcrypt.compare(password, against)) && hash !== undefined;
    },
  };
}
