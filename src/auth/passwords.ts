import bcrypt from 'bcrypt';

export type Passwords = {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string | undefined): Promise<boolean>;
};

/** bcrypt on libuv's thread pool, so a hash never blocks other requests. */
export function createPasswords(cost: number): Passwords {
  // Compared against when the username is unknown, so a wrong username takes as long as a wrong password.
  const dummyHash = bcrypt.hashSync('not a real password', cost);
  return {
    hash: (password) => bcrypt.hash(password, cost),
    verify: (password, hash) => bcrypt.compare(password, hash ?? dummyHash).then((ok) => ok && hash !== undefined),
  };
}
