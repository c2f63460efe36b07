// Repository URLs without their credentials: what every service stores, publishes, logs and answers. Git takes
// credentials from a configured secret (the build-service's BUILD_GIT_CREDENTIALS_FILE), never from a URL.

/**
 * The repository without credentials, for display and storage wherever a source is named (also for a source that is
 * refused, so an error never echoes a secret).
 */
export function redactRepository(raw: string): string {
  // scheme://user:password@host/... and scheme://token@host/...: the whole userinfo goes for http(s); ssh keeps
  // the user name (it is not a secret) and drops a password.
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*@)(.*)$/i.exec(raw);
  // scp-like with a password (`user:secret@host:path`): git would read it as a host; drop the userinfo.
  if (!m) return raw.replace(/^[^/@:]+:[^/@]*@/, '');
  const scheme = m[1].toLowerCase();
  const userinfo = m[2].slice(0, -1);
  if (scheme === 'ssh://' || scheme === 'git+ssh://' || scheme === 'ssh+git://') {
    const user = userinfo.split(':')[0];
    return `${m[1]}${user ? `${user}@` : ''}${m[3]}`;
  }
  return `${m[1]}${m[3]}`;
}
