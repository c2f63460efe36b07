// Reads registry credentials from the dockerconfigjson named by REGISTRY_AUTH_DOCKERCONFIG, fresh on every call,
// so a refresher that rewrites the file takes effect on the next attempt.
import { readFile, stat } from 'node:fs/promises';

export interface RegistryCredentials {
  username: string;
  password: string;
}

interface DockerConfigJson {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
}

/** The `auths` key forms a registry host may be stored under. */
function candidates(host: string): string[] {
  return [
    host,
    `https://${host}`,
    `http://${host}`,
    `https://${host}/v1/`,
    `http://${host}/v2/`,
    `https://${host}/v2/`,
  ];
}

export async function readCredentials(
  path: string | undefined,
  host: string,
): Promise<RegistryCredentials | undefined> {
  if (!path) return undefined;
  const raw = JSON.parse(await readFile(path, 'utf8')) as DockerConfigJson;
  for (const key of candidates(host)) {
    const entry = raw.auths?.[key];
    if (!entry) continue;
    if (entry.username !== undefined && entry.password !== undefined) {
      return { username: entry.username, password: entry.password };
    }
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0) return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
    }
  }
  return undefined;
}

export async function dockerConfigModifiedAt(path: string): Promise<Date | undefined> {
  try {
    return (await stat(path)).mtime;
  } catch {
    return undefined;
  }
}
