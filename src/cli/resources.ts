// RFC 8707 resource servers, through the admin store (audited like GraphQL's mutations) and the core's one rule:
// createresource, listresources, deleteresource.
import { parseArgs } from 'node:util';
import { canonicalResource, validateResourceServer } from '../oauth2/resources.ts';
import { ACCESS_TOKEN_FORMATS } from '../oauth2/store.ts';
import { fail, failFields, out, usageError, withApp, type Command } from './command.ts';

export const createresource: Command = {
  name: 'createresource',
  summary: 'register an RFC 8707 resource server',
  usage: `Usage: gatehouse createresource IDENTIFIER --name NAME --scopes S,... [--access-token-format ${ACCESS_TOKEN_FORMATS.join('|')}] [--ttl SECONDS]
  Clients ask tokens for it with resource=IDENTIFIER (an absolute URI without fragment); its tokens carry only
  these scopes, in its format and lifetime.`,
  async run({ fromEnv, args }) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { name: { type: 'string' }, scopes: { type: 'string' }, 'access-token-format': { type: 'string' }, ttl: { type: 'string' } } });
    if (!positionals[0]) return usageError(createresource, 'createresource needs an IDENTIFIER.');
    return withApp(fromEnv, async (app) => {
      const { value, errors } = validateResourceServer({
        identifier: positionals[0], name: values.name ?? positionals[0], scopes: (values.scopes ?? '').split(/[ ,]+/).filter(Boolean),
        accessTokenFormat: values['access-token-format'], accessTokenTtl: values.ttl === undefined ? null : Number(values.ttl),
      }, { knownScopes: Object.keys(app.config.scopes), issuer: app.config.issuer });
      if (!value) { failFields(errors); return 2; }
      const created = await app.stores.admin.createResourceServer(value, null);
      if (created === 'identifier_taken') { fail('identifier: another resource server has this identifier.'); return 1; }
      out(`Resource server ${created.identifier} (${created.accessTokenFormat}; scopes: ${created.scopes.join(' ') || '(none)'})`);
      return 0;
    });
  },
};

export const listresources: Command = {
  name: 'listresources',
  summary: 'the resource servers (identifier, format, scopes, name)',
  usage: 'Usage: gatehouse listresources\n  One line per resource server: identifier, access-token format, scopes, name.',
  async run({ fromEnv }) {
    return withApp(fromEnv, async (app) => {
      for (const r of await app.stores.admin.resourceServers(1000)) out(`${r.identifier}\t${r.accessTokenFormat}\t${r.scopes.join(' ')}\t${r.name}`);
      return 0;
    });
  },
};

export const deleteresource: Command = {
  name: 'deleteresource',
  summary: 'forget a resource server',
  usage: 'Usage: gatehouse deleteresource IDENTIFIER\n  Tokens already issued keep their audience.',
  async run({ fromEnv, args }) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    if (!positionals[0]) return usageError(deleteresource, 'deleteresource needs an IDENTIFIER.');
    const identifier = canonicalResource(positionals[0]);
    return withApp(fromEnv, async (app) => {
      const found = (await app.stores.admin.resourceServers(1000)).find((r) => r.identifier === identifier);
      if (!found || !(await app.stores.admin.deleteResourceServer(found.id, null))) { fail('No resource server has this identifier.'); return 1; }
      out(`Deleted ${found.identifier}`);
      return 0;
    });
  },
};
