import { expect } from 'chai';
import * as client from 'openid-client';
import type { Browser as Chromium } from 'playwright-core';
import { createTestApp, type TestServer } from '../helpers.ts';
import { launchChromium, watchProblems } from '../chromium.ts';
import { en } from '../../src/http/i18n/en.ts';

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

describe('RFC 8628 with openid-client v6 and a person in headless Chromium', function () {
  this.timeout(60_000);
  let t: TestServer;
  let browser: Chromium;
  before(async () => { t = await createTestApp(); browser = await launchChromium(); });
  after(async () => { await browser?.close(); await t?.close(); });

  async function personSignsIn(url: string) {
    const problems: string[] = [];
    const page = watchProblems(await (await browser.newContext({ viewport: { width: 360, height: 640 } })).newPage(), problems);
    await page.goto(url);
    await page.getByLabel('Username').fill('dora');
    await page.getByLabel('Password').fill('device-pass-1');
    await page.getByRole('button', { name: 'Log in' }).click();
    return { page, problems };
  }

  let owner: Awaited<ReturnType<TestServer['app']['seed']['user']>>;
  before(async () => { owner = await t.app.seed.user({ username: 'dora', password: 'device-pass-1' }); });

  async function cli() {
    const { client: c } = await t.app.seed.client({ owner, clientType: 'public', tokenEndpointAuthMethod: 'none', grantTypes: [GRANT as never], allowedScopes: ['openid', 'profile', 'read'] });
    const config = await client.discovery(new URL(t.app.config.issuer), c.clientId, undefined, client.None(), { execute: [client.allowInsecureRequests] });
    return { config, owner, name: c.name };
  }

  it('initiateDeviceAuthorization, the person approves at verification_uri_complete, pollDeviceAuthorizationGrant gets tokens and an ID Token', async () => {
    const { config, name } = await cli();
    const device = await client.initiateDeviceAuthorization(config, { scope: 'openid profile read' });
    // Fast polling for the test (the server asked for 5 s; openid-client honours slow_down by itself).
    const polling = client.pollDeviceAuthorizationGrant(config, { ...device, interval: 1 });
    const { page, problems } = await personSignsIn(device.verification_uri_complete!);
    // The prefilled page shows the code and asks: nothing is approved until the person presses Allow.
    expect(await page.getByTestId('user-code').textContent()).to.equal(device.user_code);
    // RFC 8628 §5.4 (issue 20 D3): the person sees the warning, the application's name isolated, and who registered it.
    expect(await page.getByTestId('device-warning').textContent()).to.equal(en['device.warning']);
    expect(await page.getByTestId('device-warning').isVisible()).to.equal(true);
    expect(await page.locator('bdi[data-testid="device-client"]').textContent()).to.equal(name);
    expect(await page.getByTestId('device-origin').getAttribute('data-origin')).to.equal('owner');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(360);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.locator('[data-done="device.approved"]').waitFor();
    const tokens = await polling;
    expect(tokens.access_token).to.be.a('string');
    expect(tokens.refresh_token).to.be.a('string');
    expect(tokens.claims()?.sub).to.equal(String(owner.id));
    expect(problems).to.deep.equal([]);
  });

  it('the person types the code by hand (lower case, no dash) and denies: the CLI gets access_denied', async () => {
    const { config } = await cli();
    const device = await client.initiateDeviceAuthorization(config, { scope: 'read' });
    const polling = client.pollDeviceAuthorizationGrant(config, { ...device, interval: 1 }).then(() => 'tokens', (e: { error?: string }) => e.error);
    const { page } = await personSignsIn(device.verification_uri);
    await page.getByLabel('Code').fill(device.user_code.toLowerCase().replace('-', ''));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.locator('[data-done="device.denied"]').waitFor();
    expect(await polling).to.equal('access_denied');
  });
});
