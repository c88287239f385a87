// The database and the keys: migrate, makemigrations, cleartokens, rotatekeys.
import { initStorage } from '../storage/orm.ts';
import { clearExpired } from '../storage/maintenance.ts';
import { makeMigration } from '../storage/make-migration.ts';
import { fail, out, withApp, type Command } from './command.ts';
import { parseArgs } from 'node:util';

export const migrate: Command = {
  name: 'migrate',
  summary: 'apply the database migrations',
  usage: `Usage: gatehouse migrate
  Applies the pending migrations of the database (DB_FILE, or DATABASE_URL); \`serve\` also applies them at start.`,
  async run({ config }) {
    const orm = await initStorage(config, { migrate: false });
    try {
      const applied = await orm.migrator.up();
      out(applied.length ? `Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}` : 'No migrations to apply.');
    } finally { await orm.close(true); }
    return 0;
  },
};

export const makemigrations: Command = {
  name: 'makemigrations',
  summary: 'write a migration for entity changes (development)',
  usage: `Usage: gatehouse makemigrations
  Diffs the entities against the dialect's snapshot and writes a migration: SQLite by default, PostgreSQL when
  DATABASE_URL is set (in a scratch database). Run it once for each dialect.`,
  async run({ config }) {
    const name = await makeMigration(config);
    out(name ? `Wrote ${name}` : 'No changes.');
    return 0;
  },
};

export const cleartokens: Command = {
  name: 'cleartokens',
  summary: 'delete expired codes, tokens and sessions',
  usage: `Usage: gatehouse cleartokens
  Deletes expired authorization codes, tokens, sessions and login sessions, and prints how many of each.`,
  async run({ config }) {
    const orm = await initStorage(config);
    try {
      for (const [table, n] of Object.entries(await clearExpired(orm))) out(`${table}: ${n} expired row(s) deleted`);
    } finally { await orm.close(true); }
    return 0;
  },
};

export const rotatekeys: Command = {
  name: 'rotatekeys',
  summary: 'rotate the OpenID Connect signing keys',
  usage: `Usage: gatehouse rotatekeys [--force]
  Next becomes current, current is retired (still published until its tokens expire), a new next key is published.
  Refused until the next key has been published for 6 minutes (relying parties' caches).
  --force    rotate anyway: only when a key is compromised`,
  async run({ fromEnv, args }) {
    const { values } = parseArgs({ args, options: { force: { type: 'boolean' } } });
    return withApp(fromEnv, async (app) => {
      let rotated;
      try { rotated = await app.signingKeys.rotate({ force: values.force ?? false }); } catch (e) { fail((e as Error).message); return 1; }
      for (const r of rotated) {
        out(`${r.alg}: current ${r.promoted ?? '(unchanged)'}, retired ${r.retired ?? '(none)'}, next ${r.published}${r.deleted ? `, ${r.deleted} expired key(s) deleted` : ''}`);
      }
      return 0;
    });
  },
};
