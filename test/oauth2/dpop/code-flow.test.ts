import { expect } from 'chai';
import { createTestApp, type TestServer } from '../../helpers.ts';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { authorizeThroughConsent, clientSigningKeys, codeFlowSetup, getCode, pkcePair, postForm } from '../../oauth-helpers.ts';
import { dpopKey, proof, type DpopKey } from './proofs.ts';

const REDIRECT = 'https://client.example.com/cb';

describe('RFC 9449 DPoP with the authorization code and refresh grants', () => {
  let srv: TestServer;
  let token: string;
  let key: DpopKey;
  before(async () => {
    srv = await createTestApp();
    token = `${srv.url}/o/token/`;
    key = await dpopKey();
  });
  after(() => srv.close());

  const rows = (sql: string, p: unknown[] = []) => srv.app.stores.sql.all<any>(sql, p);
  const redeem = async (setup: Awaited<ReturnType<typeof codeFlowSetup>>, code: string, verifier: string, k?: DpopKey, auth: { id: string; secret: string } | null = setup.auth) =>
    postForm(token, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, ...(auth ? {} : { client_id: setup.client.clientId }) }, auth ?? undefined, k ? { DPoP: await proof(k, { htu: token }) } : {});
  const refresh = async (setup: Awaited<ReturnType<typeof codeFlowSetup>>, rt: string, k?: DpopKey, auth: { id: string; secret: string } | null = setup.auth) =>
    postForm(token, { grant_type: 'refresh_token', refresh_token: rt, ...(auth ? {} : { client_id: setup.client.clientId }) }, auth ?? undefined, k ? { DPoP: await proof(k, { htu: token }) } : {});

  it('code flow: a proof at the token endpoint binds the access token; a confidential client\'s refresh token is not bound (§5)', async () => {
    const setup = await codeFlowSetup(srv);
    const { code, verifier } = await getCode(setup);
    const res = await redeem(setup, code, verifier, key);
    expect(res.status).to.equal(200);
    const body = await res.json();
    expect(body.token_type).to.equal('DPoP');
    const [rt] = await rows('select dpop_jkt from refresh_tokens order by id desc limit 1');
    expect(rt.dpop_jkt).to.equal(null);
    // A confidential client may refresh with another key: the new access token is bound to that one.
    const other = await dpopKey();
    const refreshed = await (await refresh(setup, body.refresh_token, other)).json();
    expect(refreshed.token_type).to.equal('DPoP');
    const seen = await (await postForm(`${srv.url}/o/introspect/`, { token: refreshed.access_token }, setup.auth)).json();
    expect(seen.cnf).to.deep.equal({ jkt: other.jkt });
  });

  it('public client: the refresh token is bound to the key; a refresh with another key or none is invalid_grant', async () => {
    const setup = await codeFlowSetup(srv, { clientType: 'public', tokenEndpointAuthMethod: 'none' });
    const { code, verifier } = await getCode(setup);
    const body = await (await redeem(setup, code, verifier, key, null)).json();
    expect(body.token_type, JSON.stringify(body)).to.equal('DPoP');
    const [rt] = await rows('select dpop_jkt from refresh_tokens order by id desc limit 1');
    expect(rt.dpop_jkt).to.equal(key.jkt);
    const attacker = await dpopKey();
    const stolen = await refresh(setup, body.refresh_token, attacker, null);
    expect(stolen.status).to.equal(400);
    expect((await stolen.json()).error).to.equal('invalid_grant');
    const bare = await refresh(setup, body.refresh_token, undefined, null);
    expect((await bare.json()).error).to.equal('invalid_grant');
    // The refusals spent nothing: the holder of the key still refreshes, and the new refresh token stays bound.
    const ok = await refresh(setup, body.refresh_token, key, null);
    expect(ok.status).to.equal(200);
    const next = await ok.json();
    expect(next.token_type).to.equal('DPoP');
    const [rt2] = await rows('select dpop_jkt from refresh_tokens order by id desc limit 1');
    expect(rt2.dpop_jkt).to.equal(key.jkt);
  });

  it('§10 dpop_jkt binds the code: redeemed with that key only (another key or none: invalid_grant)', async () => {
    const setup = await codeFlowSetup(srv);
    const { code, verifier } = await getCode(setup, { dpop_jkt: key.jkt });
    const [row] = await rows('select dpop_jkt from authorization_codes order by id desc limit 1');
    expect(row.dpop_jkt).to.equal(key.jkt);
    const none = await redeem(setup, code, verifier);
    expect(none.status).to.equal(400);
    expect((await none.json()).error).to.equal('invalid_grant');
    const other = await redeem(setup, code, verifier, await dpopKey());
    expect((await other.json()).error).to.equal('invalid_grant');
    const ok = await redeem(setup, code, verifier, key);
    expect(ok.status).to.equal(200);
    expect((await ok.json()).token_type).to.equal('DPoP');
  });

  it('§10 a malformed dpop_jkt is invalid_request, redirected', async () => {
    const setup = await codeFlowSetup(srv);
    const { challenge } = pkcePair();
    const res = await setup.browser.get(`/o/authorize/?${new URLSearchParams({ response_type: 'code', client_id: setup.client.clientId, redirect_uri: REDIRECT, scope: 'read', code_challenge: challenge, code_challenge_method: 'S256', dpop_jkt: 'short' })}`);
    expect(res.status).to.equal(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).to.equal('invalid_request');
  });

  it('§10.1 a proof at the PAR endpoint binds the code; a dpop_jkt that differs from the proof\'s key is refused', async () => {
    const setup = await codeFlowSetup(srv);
    const par = `${srv.url}/o/par`;
    const { verifier, challenge } = pkcePair();
    const params = { response_type: 'code', client_id: setup.client.clientId, redirect_uri: REDIRECT, scope: 'read', code_challenge: challenge, code_challenge_method: 'S256' };
    const mismatch = await postForm(par, { ...params, dpop_jkt: (await dpopKey()).jkt }, setup.auth, { DPoP: await proof(key, { htu: par }) });
    expect(mismatch.status).to.equal(400);
    expect((await mismatch.json()).error).to.equal('invalid_dpop_proof');
    const badProof = await postForm(par, params, setup.auth, { DPoP: await proof(key, { htu: token }) });
    expect((await badProof.json()).error).to.equal('invalid_dpop_proof');
    const pushed = await (await postForm(par, params, setup.auth, { DPoP: await proof(key, { htu: par }) })).json();
    const loc = await authorizeThroughConsent(setup.browser, { client_id: setup.client.clientId, request_uri: pushed.request_uri });
    const code = loc.searchParams.get('code')!;
    const [row] = await rows('select dpop_jkt from authorization_codes order by id desc limit 1');
    expect(row.dpop_jkt).to.equal(key.jkt);
    expect((await (await redeem(setup, code, verifier, await dpopKey())).json()).error).to.equal('invalid_grant');
  });

  it('§10.1 with a request object (RFC 9101) pushed: the proof still binds the code, and the object\'s dpop_jkt must match it', async () => {
    const { key: signer, jwks } = await clientSigningKeys();
    const setup = await codeFlowSetup(srv, { jwks });
    const par = `${srv.url}/o/par`;
    const { verifier, challenge } = pkcePair();
    const object = (extra: Record<string, string> = {}) => new SignJWT({ response_type: 'code', client_id: setup.client.clientId, redirect_uri: REDIRECT, scope: 'read', code_challenge: challenge, code_challenge_method: 'S256', ...extra })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(setup.client.clientId).setAudience(srv.app.config.issuer).setIssuedAt().setExpirationTime('1m').setJti(randomUUID()).sign(signer);
    const mismatch = await postForm(par, { client_id: setup.client.clientId, request: await object({ dpop_jkt: (await dpopKey()).jkt }) }, setup.auth, { DPoP: await proof(key, { htu: par }) });
    expect(mismatch.status).to.equal(400);
    expect((await mismatch.json()).error).to.equal('invalid_dpop_proof');
    const res = await postForm(par, { client_id: setup.client.clientId, request: await object() }, setup.auth, { DPoP: await proof(key, { htu: par }) });
    expect(res.status).to.equal(201);
    const loc = await authorizeThroughConsent(setup.browser, { client_id: setup.client.clientId, request_uri: (await res.json()).request_uri });
    const code = loc.searchParams.get('code')!;
    const [row] = await rows('select dpop_jkt from authorization_codes order by id desc limit 1');
    expect(row.dpop_jkt).to.equal(key.jkt);
    expect((await (await redeem(setup, code, verifier, await dpopKey())).json()).error).to.equal('invalid_grant');
    expect((await redeem(setup, code, verifier, key)).status).to.equal(200);
  });
});
