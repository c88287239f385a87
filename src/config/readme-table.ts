// The README's configuration table, generated from the settings table: `npm run docs:config` rewrites it between
// the markers, and test/config/readme-table.test.ts fails when the README and the settings disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { isSecret, walk, type Setting, type SettingTree } from './schema.ts';
import { settings } from './settings.ts';

export const START = '<!-- config:start -->';
export const END = '<!-- config:end -->';

const cell = (s: string) => s.replace(/\|/g, '\\|');

function defaultOf(s: Setting<unknown>): string {
  if (s.defaultText !== undefined) return s.defaultText;
  if (s.required) return '**required**';
  if (s.default === undefined) return 'unset';
  return isSecret(s) ? 'hidden' : s.kind.show(s.default);
}

/** The table, one row per setting, in declaration order. */
export function configTable(tree: SettingTree = settings): string {
  const rows = [...walk(tree)].map(({ path, setting: s }) => [
    s.env ? `\`${s.env}\`` : '—', `\`${path.join('.')}\``, s.kind.label, defaultOf(s), s.doc + (isSecret(s) ? ' (secret: never printed)' : ''),
  ]);
  return [
    '| Variable | `createApp` key | Kind | Default | |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** `readme` with the text between the markers replaced by the table; throws when the markers are missing. */
export function withConfigTable(readme: string, table = configTable()): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md needs the markers ${START} and ${END}`);
  return `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`;
}

export const README = new URL('../../README.md', import.meta.url);

// `npm run docs:config`
if (import.meta.main) {
  const before = readFileSync(README, 'utf8');
  const after = withConfigTable(before);
  if (after !== before) writeFileSync(README, after);
  process.stdout.write(after === before ? 'README.md configuration table is up to date.\n' : 'README.md configuration table rewritten.\n');
}
