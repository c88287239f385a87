import { expect } from 'chai';
import { ClientMetadataError, documentLifetimeSeconds, metadataClientIdProblem } from '../../src/oauth2/client-id-metadata.ts';
import { MetadataClientResolver } from '../../src/oauth2/metadata-client-resolver.ts';

describe('Client ID Metadata Document rules (core)', () => {
  it('CIMD Client Identifier: https with a path; http only where insecure transport is allowed', () => {
    const prod = { allowInsecureTransport: false };
    expect(metadataClientIdProblem('https://app.example.com/oauth/client.json', prod)).to.equal(null);
    // CIMD: SHOULD NOT contain a query string; refused here (one document, one URL).
    expect(metadataClientIdProblem('https://app.example.com/client?v=1', prod)).to.equal('must not contain a query string');
    expect(metadataClientIdProblem('http://app.example.com/client.json', prod)).to.equal('must use https');
    expect(metadataClientIdProblem('http://app.example.com/client.json', { allowInsecureTransport: true })).to.equal(null);
    for (const id of ['https://app.example.com', 'https://app.example.com/', 'https://app.example.com/a#b', 'https://u@app.example.com/c',
      'https://app.example.com/a/./b', 'https://app.example.com/a/..', 'https://app.example.com/%2E/b', 'https://APP.example.com/c', 'https://app.example.com:443/c', 'ftp://app.example.com/c']) {
      expect(metadataClientIdProblem(id, prod), id).to.be.a('string');
    }
  });

  it('lifetime: Cache-Control max-age within [min, max]; none, no-store or no-cache give the minimum', () => {
    const limits = { minTtlSeconds: 300, maxTtlSeconds: 86400 };
    expect(documentLifetimeSeconds('public, max-age=3600', limits)).to.equal(3600);
    expect(documentLifetimeSeconds('max-age=5', limits)).to.equal(300);
    expect(documentLifetimeSeconds('max-age=99999999', limits)).to.equal(86400);
    expect(documentLifetimeSeconds('s-maxage=7200, max-age=60', limits)).to.equal(7200);
    expect(documentLifetimeSeconds(undefined, limits)).to.equal(300);
    expect(documentLifetimeSeconds('no-store, max-age=3600', limits)).to.equal(300);
    expect(documentLifetimeSeconds('no-cache', limits)).to.equal(300);
    expect(documentLifetimeSeconds('max-age=abc', limits)).to.equal(300);
  });
});

describe('MetadataClientResolver: the failure memory (core)', () => {
  it('full at 1,000 URLs, it forgets the oldest failure, never all of them at once', async () => {
    const fetched: string[] = [];
    const store = {
      findByClientId: async () => null, saveMetadataClient: async () => null, touchMetadataClient: async () => {},
      countMetadataClients: async () => 0, evictMetadataClient: async () => false, deleteMetadataClient: async () => {},
    };
    const resolver = new MetadataClientResolver({
      store, policy: { allowInsecureTransport: false, knownScopes: [], sectorDocument: async () => [], lifetimeMaxima: { accessTokenLifetime: 86400, refreshTokenLifetime: 86400, authorizationCodeLifetime: 600 } },
      limits: { minTtlSeconds: 1, maxTtlSeconds: 1, maxClients: 10, maxClientsPerHost: 10 },
      fetchDocument: async (url) => { fetched.push(url); throw new Error('the server answered 404'); },
    });
    const url = (i: number) => `https://site${i}.example/client.json`;
    const fail = (i: number) => resolver.resolve(url(i)).then(() => { throw new Error('resolved'); }, (e: Error) => e);
    for (let i = 0; i <= 1000; i++) expect(await fail(i)).to.be.instanceOf(ClientMetadataError);
    expect(fetched).to.have.length(1001);
    // The 1,001st failure pushed out the first: it is fetched again; the second is still remembered.
    await fail(0);
    expect(fetched).to.have.length(1002);
    await fail(2);
    expect(fetched).to.have.length(1002);
  });
});
