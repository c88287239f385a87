import { expect } from 'chai';
import { documentLifetimeSeconds, metadataClientIdProblem } from '../../src/oauth2/client-id-metadata.ts';

describe('Client ID Metadata Document rules (core)', () => {
  it('CIMD Client Identifier: https with a path; http only where insecure transport is allowed', () => {
    const prod = { allowInsecureTransport: false };
    expect(metadataClientIdProblem('https://app.example.com/oauth/client.json', prod)).to.equal(null);
    expect(metadataClientIdProblem('https://app.example.com/client?v=1', prod)).to.equal(null);
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
