// `gatehouse check --deploy`: the deployment rules of src/config/deploy-check.ts over the configuration and the
// database's facts (src/storage/deploy-facts.ts). `serve` runs the same check in production (src/cli/serve.ts).
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { loadConfigForDeployCheck, type GatehouseConfig } from '../config.ts';
import { deployCheck, formatFindings, hasErrors, LEGACY_GRANT_TYPES, type Finding } from '../config/deploy-check.ts';
import { devDefaults } from '../config/settings.ts';
import { gatherDeployFacts } from '../storage/deploy-facts.ts';
import { dialectOf, initStorage, type Orm } from '../storage/orm.ts';
import { parseKey } from '../oauth1/secret-box.ts';
import { out, usageError, type Command } from './command.ts';

/** The findings for this configuration and database (opened by the caller, migrated or not). */
export async function findings(config: GatehouseConfig, orm: Orm, configProblems: string[] = []): Promise<Finding[]> {
  const facts = await gatherDeployFacts(orm, dialectOf(config), { devSealKey: parseKey(devDefaults.encryptionKeyValue), grantTypes: LEGACY_GRANT_TYPES });
  return deployCheck({ config, facts, configProblems, now: Date.now() });
}

export const check: Command = {
  name: 'check',
  summary: 'check --deploy: what a production deployment must fix (errors) or should look at (warnings)',
  noConfig: true,
  usage: `Usage: gatehouse check --deploy [--json]
  Judges the configuration (the environment, as \`serve\` would read it) and the database as a production
  deployment, like django-oauth-toolkit's \`check --deploy\`. One line per finding: its id (E… error, W… warning),
  what is wrong, and how to fix it. Run it with the production environment before each deployment; \`serve\` runs
  it itself when NODE_ENV=production (DEPLOY_CHECK=enforce refuses to start on an error, warn only logs).
  --json     the findings as JSON: { ok, errors, warnings, findings: [{ id, severity, message, fix }] }
  Exit code: 1 with any error, 0 with warnings only (or none), 2 on a usage error.`,
  async run({ args }) {
    const { values } = parseArgs({ args, options: { deploy: { type: 'boolean' }, json: { type: 'boolean' } } });
    if (!values.deploy) return usageError(check, 'check needs --deploy (the only check there is).');
    // Read leniently: a setting the start would refuse is a finding here, not a failure to run.
    const { config, problems } = loadConfigForDeployCheck(process.env);
    // A SQLite file that does not exist yet is judged as what `serve` would create (every migration pending), not made here.
    const database = !config.database.url && config.database.file !== ':memory:' && !existsSync(config.database.file) ? { ...config.database, file: ':memory:' } : config.database;
    const orm = await initStorage({ ...config, database }, { migrate: false, bounded: true });
    let found: Finding[];
    try { found = await findings(config, orm, problems); } finally { await orm.close(true); }
    const errors = found.filter((f) => f.severity === 'error').length;
    if (values.json) out(JSON.stringify({ ok: errors === 0, errors, warnings: found.filter((f) => f.severity === 'warning').length, findings: found }, null, 2));
    else out(formatFindings(found));
    return hasErrors(found) ? 1 : 0;
  },
};
