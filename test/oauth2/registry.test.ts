import { expect } from 'chai';
import { CLIENT_AUTH_METHOD_NAMES } from '../../src/oauth2/client-auth.ts';
import { GRANTS, grants } from '../../src/oauth2/grants/index.ts';
import { GRANT_TYPES, PRIVILEGED_GRANT_TYPES, REDIRECTLESS_USER_GRANT_TYPES, REGISTRABLE_GRANT_TYPES, effectiveGrantTypes, normalizeGrantType } from '../../src/oauth2/grant-types.ts';
import { RESPONSE_TYPES, isPrivilegedResponseType, responseTypeRule } from '../../src/oauth2/response-types.ts';
import { authorizationServerMetadata } from '../../src/oauth2/metadata.ts';

// The grant registry is the only list of grant types (DESIGN rule 1): every view of it is checked here against
// the modules' own declarations, and the RFC facts the views must keep are spelled out.
describe('registries: grant types and client authentication methods', () => {
  const meta = authorizationServerMetadata({ issuer: 'https://as.example', scopes: ['read'], allowPlainPkce: false });

  it('every grant module has a distinct grant_type; the token endpoint serves those with a step', () => {
    expect(new Set(GRANT_TYPES).size).to.equal(GRANTS.length);
    expect([...grants.keys()]).to.deep.equal(GRANTS.filter((g) => 'handle' in g).map((g) => g.grantType));
    expect(grants.has('implicit'), 'RFC 6749 §4.2: implicit has no token request').to.equal(false);
  });

  it('RFC 8414 §2 discovery lists exactly the registries', () => {
    expect(meta.grant_types_supported).to.deep.equal([...GRANT_TYPES]);
    expect(meta.response_types_supported).to.deep.equal([...RESPONSE_TYPES]);
    expect(meta.response_modes_supported).to.deep.equal(['query', 'fragment', 'form_post']);
    expect(meta.token_endpoint_auth_methods_supported).to.deep.equal([...CLIENT_AUTH_METHOD_NAMES]);
    expect(meta.introspection_endpoint_auth_methods_supported).to.deep.equal(['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt']);
  });

  it('keeps the RFC facts: what is registrable, privileged, and where refresh tokens follow', () => {
    // Members, not the whole list: a new grant adds itself without editing this test.
    expect(REGISTRABLE_GRANT_TYPES).to.include.members(['authorization_code', 'implicit', 'password', 'client_credentials']).and.not.include('refresh_token');
    expect([...PRIVILEGED_GRANT_TYPES]).to.have.members(['implicit', 'password']);
    // OpenID Connect Core §8.1 (oidc/subject.ts): only grants whose tokens reach the client at its redirect URIs let a pairwise client share its redirect host's sector.
    expect([...REDIRECTLESS_USER_GRANT_TYPES]).to.have.members(['password', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:token-exchange']);
    // OpenID Connect Registration §2: which grants each response type needs; the order of its words does not matter.
    expect(RESPONSE_TYPES.map((rt) => responseTypeRule(rt)!.grants)).to.deep.equal([['authorization_code'], ['implicit'], ['implicit'], ['implicit'], ['authorization_code', 'implicit'], ['authorization_code', 'implicit'], ['authorization_code', 'implicit']]);
    expect(responseTypeRule('token id_token code')!.value).to.equal('code id_token token');
    expect(responseTypeRule('none')).to.equal(undefined);
    expect(RESPONSE_TYPES.filter(isPrivilegedResponseType)).to.not.include('code');
    // RFC 6749 §4.1.4, §4.3.3 issue refresh tokens; §4.2.2 and §4.4.3 do not.
    expect(effectiveGrantTypes(['authorization_code'])).to.deep.equal(['authorization_code', 'refresh_token']);
    expect(effectiveGrantTypes(['password'])).to.deep.equal(['password', 'refresh_token']);
    expect(effectiveGrantTypes(['implicit', 'client_credentials'])).to.deep.equal(['implicit', 'client_credentials']);
    expect(normalizeGrantType('client-credentials')).to.equal('client_credentials');
    expect(normalizeGrantType('device_code')).to.equal(null);
    // RFC 8628: registered now; the URN keeps its dashes (an exact name wins), and it is no privilege (public CLIs use it).
    expect(normalizeGrantType('urn:ietf:params:oauth:grant-type:device_code')).to.equal('urn:ietf:params:oauth:grant-type:device_code');
    expect(effectiveGrantTypes(['urn:ietf:params:oauth:grant-type:device_code'])).to.deep.equal(['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token']);
  });
});
