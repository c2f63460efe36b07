// Writes the first admin token to disk: owner-only (0600), in a 0700 directory, atomically so no reader sees half a token.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const adminTokenFile = {
  async exists(file: string): Promise<boolean> {
    try {
      await fs.access(resolve(file));
      return true;
    } catch {
      return false;
    }
  },

  async write(file: string, token: string): Promise<string> {
    const target = resolve(file);
    await fs.mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await fs.open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(`${token}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      // The umask may have narrowed the mode further, never widened it; chmod makes it exactly 0600.
      await fs.chmod(tmp, 0o600);
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    return target;
  },
};
