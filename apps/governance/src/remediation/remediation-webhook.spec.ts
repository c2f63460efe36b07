// The webhook target rules: which addresses are public, which URLs are refused before a connection, and a name that
// resolves to a loopback address refused where the connection is made (a local receiver proves nothing was sent).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliverWebhook, isNonPublicAddress, refusalOf, signBody } from './remediation-webhook';

const closed = { allowPrivate: false, allowedHosts: [] as string[] };

describe('isNonPublicAddress', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    'not-an-address',
  ])('when the address is %s, then it is not public', (a) => {
    expect(isNonPublicAddress(a)).toBe(true);
  });

  it.each(['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'when the address is %s, then it is public',
    (a) => {
      expect(isNonPublicAddress(a)).toBe(false);
    },
  );
});

describe('refusalOf', () => {
  it('when the URL is a private literal, then it is refused unless private targets are allowed', () => {
    expect(refusalOf(new URL('http://127.0.0.1:8080/hook'), closed)).toContain('is not public');
    expect(refusalOf(new URL('http://[::1]/hook'), closed)).toContain('is not public');
    expect(refusalOf(new URL('http://169.254.169.254/latest'), closed)).toContain('is not public');
    expect(refusalOf(new URL('http://127.0.0.1:8080/hook'), { ...closed, allowPrivate: true })).toBeNull();
  });

  it('when hosts are listed, then only those are allowed', () => {
    const t = { allowPrivate: true, allowedHosts: ['hooks.example.com', '127.0.0.1'] };
    expect(refusalOf(new URL('https://hooks.example.com/x'), t)).toBeNull();
    expect(refusalOf(new URL('http://127.0.0.1:9/x'), t)).toBeNull();
    expect(refusalOf(new URL('https://evil.example.net/x'), t)).toContain(
      'not in REMEDIATION_WEBHOOK_ALLOWED_HOSTS',
    );
  });

  it('when the URL has another scheme or credentials, then it is refused', () => {
    expect(refusalOf(new URL('ftp://hooks.example.com/x'), closed)).toContain('scheme');
    expect(refusalOf(new URL('https://u:p@hooks.example.com/x'), closed)).toContain('credentials');
  });
});

describe('deliverWebhook', () => {
  it('when a name resolves to loopback and private targets are not allowed, then the connection is refused and nothing arrives', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits += 1;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const body = Buffer.from('{"run":{}}');
      const t = { ...closed, timeoutMs: 2000, retries: 2, backoffMs: 10 };
      const refused = await deliverWebhook(new URL(`http://localhost:${port}/hook`), body, 's', {}, t);
      expect(refused.ok).toBe(false);
      expect(refused.refused).toMatch(/localhost resolves to .* which is not public/);
      expect(refused.attempts).toHaveLength(1);
      expect(hits).toBe(0);

      const allowed = await deliverWebhook(
        new URL(`http://localhost:${port}/hook`),
        body,
        's',
        {},
        {
          ...t,
          allowPrivate: true,
        },
      );
      expect(allowed).toMatchObject({ ok: true, status: 200, refused: null });
      expect(hits).toBe(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('when a body is signed, then the signature is the HMAC-SHA256 hex of the body with the secret', () => {
    expect(signBody('key', Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe(
      'sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    );
  });
});
