import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Kind, parse, type EnumTypeDefinitionNode } from 'graphql';
import { CLIENT_AUTH_METHOD_NAMES } from '../../src/oauth2/client-auth.ts';
import { REGISTRABLE_GRANT_TYPES } from '../../src/oauth2/grant-types.ts';
import { RESPONSE_TYPES } from '../../src/oauth2/response-types.ts';
import { ACCESS_TOKEN_FORMATS, SIGNING_ALGS, SUBJECT_TYPES } from '../../src/oauth2/store.ts';
import { clientResolvers, enumName } from '../../src/graphql/resolvers/client.ts';

// schema/*.graphql is the published contract (clients generate code from it), so its enums are written out by
// hand rather than generated at start-up; this test fails the moment they and the registries differ, and says
// which line to add or remove (docs/architecture.md, "Adding a grant type").
const sdl = parse(readFileSync(new URL('../../schema/client.graphql', import.meta.url), 'utf8'));
const sdlEnum = (name: string): string[] => {
  const def = sdl.definitions.find((d): d is EnumTypeDefinitionNode => d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === name);
  return (def?.values ?? []).map((v) => v.name.value);
};
const asEnum = (names: readonly string[]) => names.map(enumName);

describe('registries: the GraphQL SDL enums match them (schema/client.graphql)', () => {
  for (const [name, registry, where] of [
    ['GrantType', REGISTRABLE_GRANT_TYPES, 'src/oauth2/grants/index.ts (registrable grants)'],
    ['TokenEndpointAuthMethod', CLIENT_AUTH_METHOD_NAMES, 'src/oauth2/client-auth.ts CLIENT_AUTH_METHODS'],
    ['AccessTokenFormat', ACCESS_TOKEN_FORMATS, 'src/oauth2/store.ts ACCESS_TOKEN_FORMATS'],
    ['SigningAlg', SIGNING_ALGS, 'src/oauth2/store.ts SIGNING_ALGS'],
    ['ResponseType', RESPONSE_TYPES, 'src/oauth2/response-types.ts RESPONSE_TYPES'],
    ['SubjectType', SUBJECT_TYPES, 'src/oauth2/store.ts SUBJECT_TYPES'],
  ] as const) {
    it(`enum ${name} lists exactly ${where}, in its order`, () => {
      expect(sdlEnum(name), `edit enum ${name} in schema/client.graphql to match ${where}`).to.deep.equal(asEnum(registry));
    });

    it(`the ${name} resolver maps each SDL value to the registry's name`, () => {
      const map = clientResolvers[name] as Record<string, string>;
      expect(Object.keys(map)).to.deep.equal(sdlEnum(name));
      expect(Object.values(map)).to.deep.equal([...registry]);
    });
  }
});
