// A git smart-HTTP server over TLS on loopback for the source tests: `git http-backend` behind a self-signed
// certificate (trusted through GIT_SSL_CAINFO), optional basic auth, `/redirect/<path>` answering 302 to
// `/<path>`, and the path of every request it saw.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface GitHttpsServer {
  /** https://127.0.0.1:<port> */
  origin: string;
  port: number;
  /** The certificate to trust (GIT_SSL_CAINFO). */
  caFile: string;
  /** Request paths (without the query), in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startGitHttpsServer(
  projectRoot: string,
  certDir: string,
  auth?: { user: string; password: string },
): Promise<GitHttpsServer> {
  const keyFile = join(certDir, 'key.pem');
  const caFile = join(certDir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      caFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const requests: string[] = [];
  let port = 0;
  const server: Server = createServer(
    { key: readFileSync(keyFile), cert: readFileSync(caFile) },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      requests.push(url.pathname);
      if (url.pathname.startsWith('/redirect/')) {
        res.writeHead(302, {
          location: `https://127.0.0.1:${port}/${url.pathname.slice('/redirect/'.length)}${url.search}`,
        });
        res.end();
        return;
      }
      if (auth) {
        const want = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
        if (req.headers.authorization !== want) {
          res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
          res.end();
          return;
        }
      }
      const cgi = spawn('git', ['http-backend'], {
        env: {
          ...process.env,
          GIT_PROJECT_ROOT: projectRoot,
          GIT_HTTP_EXPORT_ALL: '1',
          PATH_INFO: url.pathname,
          QUERY_STRING: url.search.replace(/^\?/, ''),
          REQUEST_METHOD: req.method ?? 'GET',
          CONTENT_TYPE: req.headers['content-type'] ?? '',
          HTTP_CONTENT_ENCODING: (req.headers['content-encoding'] as string | undefined) ?? '',
          GIT_PROTOCOL: (req.headers['git-protocol'] as string | undefined) ?? '',
          REMOTE_ADDR: '127.0.0.1',
        },
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      req.pipe(cgi.stdin);
      const chunks: Buffer[] = [];
      cgi.stdout.on('data', (b: Buffer) => chunks.push(b));
      cgi.on('close', () => {
        const out = Buffer.concat(chunks);
        const split = out.indexOf('\r\n\r\n');
        const head = out.subarray(0, split < 0 ? 0 : split).toString();
        const body = split < 0 ? out : out.subarray(split + 4);
        const headers: Record<string, string> = {};
        let status = 200;
        for (const line of head.split('\r\n')) {
          const i = line.indexOf(':');
          if (i < 0) continue;
          const k = line.slice(0, i).trim().toLowerCase();
          const v = line.slice(i + 1).trim();
          if (k === 'status') status = Number(v.split(' ')[0]);
          else headers[k] = v;
        }
        res.writeHead(status, headers);
        res.end(body);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    origin: `https://127.0.0.1:${port}`,
    port,
    caFile,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
