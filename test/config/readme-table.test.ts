import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { END, README, START, configTable, withConfigTable } from '../../src/config/readme-table.ts';
import { walk } from '../../src/config/schema.ts';
import { settings } from '../../src/config/settings.ts';

describe('config: the README table is generated from the settings', () => {
  it('README.md holds the table the settings give (else run `npm run docs:config`)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme.includes(START) && readme.includes(END), `README.md lacks ${START} … ${END}`).to.equal(true);
    expect(readme === withConfigTable(readme), 'README.md configuration table differs from src/config/settings.ts: run `npm run docs:config`').to.equal(true);
  });

  it('has one row per setting, naming its variable and createApp key', () => {
    const rows = configTable().split('\n').slice(2);
    const all = [...walk(settings)];
    expect(rows).to.have.length(all.length);
    all.forEach(({ path, setting }, i) => {
      expect(rows[i]).to.contain(`\`${path.join('.')}\``);
      if (setting.env) expect(rows[i].startsWith(`| \`${setting.env}\` |`), rows[i]).to.equal(true);
    });
  });

  it('never prints a secret default', () => {
    const table = configTable();
    for (const { setting } of walk(settings)) {
      if (setting.kind.secret || setting.secret) for (const v of [setting.default].flat()) if (typeof v === 'string') expect(table).not.to.contain(v);
    }
  });

  it('refuses a README without the markers', () => {
    expect(() => withConfigTable('# no markers')).to.throw(/config:start/);
  });
});
