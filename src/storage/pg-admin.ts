import { randomBytes } from 'node:crypto';

/** A PostgreSQL URL with its database name replaced. */
export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function adminClient(url: string) {
  const { Client } = (await import('pg')).default;
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Creates a database (optionally copied from a template) on the server `url` points at. */
export async function createDatabase(url: string, name: string, template?: string): Promise<string> {
  const client = await adminClient(url);
  try {
    await client.query(`create database "${name}"${template ? ` template "${template}"` : ''}`);
  } finally {
    await client.end();
  }
  return withDatabaseName(url, name);
}

export async function dropDatabase(url: string, name: string): Promise<void> {
  const client = await adminClient(url);
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}

/** Runs `fn` against a new empty database, dropped afterwards whatever happens. */
export async function withScratchDatabase<T>(url: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `gatehouse_scratch_${randomBytes(6).toString('hex')}`;
  const scratch = await createDatabase(url, name);
  try { return await fn(scratch); } finally { await dropDatabase(url, name); }
}
