import { expect } from 'chai';
import { createTestApp, type TestServer } from '../helpers.ts';
import { METADATA_CLIENT_ID_MAX_LENGTH } from '../../src/oauth2/client-id-metadata.ts';

// Attacker read 8, finding 9: events.client_id held 100 characters while a client ID metadata document's client_id
// may have 255, so on PostgreSQL each audit row of such a client failed (22001, string too long). Every column that
// holds a client_id takes the longest one accepted, on both engines (the code flow of such a client is
// test/http/client-id-metadata.test.ts).
describe('storage: every column holding a client_id takes the longest client_id accepted (attacker read 8, F9)', () => {
  let srv: TestServer;
  before(async () => { srv = await createTestApp(); });
  after(() => srv.close());

  const longest = `https://client.example.com/${'x'.repeat(METADATA_CLIENT_ID_MAX_LENGTH - 'https://client.example.com/'.length)}`;

  it('events.client_id: an audit row of a 255-character client_id', async () => {
    expect(longest).to.have.length(255);
    await srv.app.stores.events.record({ type: 'token.issued', clientId: longest });
    expect(await srv.app.stores.sql.all('select client_id from events where client_id = ?', [longest])).to.have.length(1);
  });

  it('oauth1_nonces.consumer_key (the consumer key is the client_id), pushed_requests.client_id', async () => {
    const sql = srv.app.stores.sql;
    await sql.run('insert into oauth1_nonces (consumer_key, token, timestamp, nonce, expires_at) values (?, ?, ?, ?, ?)', [longest, '', 1, 'n', Date.now() + 60_000]);
    await sql.run('insert into pushed_requests (request_hash, client_id, params, created_at, expires_at) values (?, ?, ?, ?, ?)', ['h'.repeat(64), longest, '{}', Date.now(), Date.now() + 60_000]);
    expect(await sql.all('select consumer_key from oauth1_nonces where consumer_key = ?', [longest])).to.have.length(1);
    expect(await sql.all('select client_id from pushed_requests where client_id = ?', [longest])).to.have.length(1);
  });
});
