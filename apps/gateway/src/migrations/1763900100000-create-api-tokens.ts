// API tokens: only a SHA-256 of each secret is kept; the prefix lets an operator recognise a token in a list.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateApiTokens1763900100000 implements MigrationInterface {
  name = 'CreateApiTokens1763900100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        owner text NOT NULL,
        role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        token_hash text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        prefix text NOT NULL,
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE UNIQUE INDEX api_tokens_token_hash_key ON api_tokens (token_hash)');
    await q.query('CREATE INDEX api_tokens_keyset_idx ON api_tokens (created_at, id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE api_tokens');
  }
}
