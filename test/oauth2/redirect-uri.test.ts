import { expect } from 'chai';
import { matchRedirectUri, parseRedirectUriList, validateRedirectUriForRegistration } from '../../src/oauth2/redirect-uri.ts';

const strict = { allowInsecureTransport: false };
const insecure = { allowInsecureTransport: true };
const problem = (uri: string, opts = strict) => validateRedirectUriForRegistration(uri, opts);

describe('RFC 6749 §3.1.2 redirection endpoint', () => {
  describe('registration', () => {
    it('accepts https, loopback http (RFC 8252 §7.3) and reverse-domain private-use schemes (RFC 8252 §7.1)', () => {
      for (const uri of [
        'https://client.example.com/cb', 'https://client.example.com:8443/cb?app=1', 'HTTPS://client.example.com/cb',
        'http://127.0.0.1:8080/cb', 'http://[::1]/cb', 'http://localhost:3000/callback',
        'com.example.app:/oauth2redirect', 'com.example.app://cb',
      ]) expect(problem(uri), uri).to.equal(null);
    });

    it('§3.1.2: must be an absolute URI', () => {
      for (const uri of ['/cb', 'cb', 'client.example.com/cb', '//client.example.com/cb', '']) expect(problem(uri), uri).to.be.a('string');
    });

    it('§3.1.2: must not include a fragment, not even an empty one', () => {
      for (const uri of ['https://client.example.com/cb#frag', 'https://client.example.com/cb#', 'com.example.app:/cb#x']) expect(problem(uri), uri).to.be.a('string');
    });

    it('refuses script-bearing and local schemes', () => {
      for (const uri of ['javascript:alert(1)', 'JavaScript://x.com/%0aalert(1)', 'data:text/html,<script>1</script>', 'vbscript:msgbox(1)',
        'file:///etc/passwd', 'blob:https://client.example.com/uuid']) expect(problem(uri, insecure), uri).to.be.a('string');
    });

    it('refuses userinfo, which hides the real host from a reader', () => {
      for (const uri of ['https://user:pass@client.example.com/cb', 'https://client.example.com@evil.example/cb', 'http://u@127.0.0.1/cb']) expect(problem(uri, insecure), uri).to.be.a('string');
    });

    it('http is refused off loopback, unless insecure transport is allowed', () => {
      for (const uri of ['http://client.example.com/cb', 'http://localhost.evil.example/cb', 'http://127.0.0.1.evil.example/cb', 'http://10.0.0.1/cb']) {
        expect(problem(uri, strict), uri).to.be.a('string');
        expect(problem(uri, insecure), uri).to.equal(null);
      }
    });

    it('refuses private-use schemes without a dot (RFC 8252 §7.1 wants reverse domain names)', () => {
      expect(problem('myapp:/cb')).to.be.a('string');
    });

    it('refuses forms a browser would read differently from a reviewer', () => {
      for (const uri of ['https:evil.example/cb', 'https:/evil.example/cb', 'https:///cb', 'https://client.example.com\\@evil.example/',
        'https://client.example.com/c b', 'https://client.example.com/cb\n', 'https://client.example.com/\x00']) expect(problem(uri, insecure), JSON.stringify(uri)).to.be.a('string');
    });

    it('refuses URIs longer than 2000 characters', () => {
      const base = 'https://client.example.com/';
      expect(problem(base + 'a'.repeat(2000 - base.length))).to.equal(null);
      expect(problem(base + 'a'.repeat(2001 - base.length))).to.be.a('string');
    });
  });

  describe('registration list', () => {
    it('splits on spaces and newlines, drops empties and duplicates, keeps order', () => {
      expect(parseRedirectUriList('https://a.example/cb  https://b.example/cb\r\n\nhttps://a.example/cb\t com.example.app:/cb\n'))
        .to.deep.equal(['https://a.example/cb', 'https://b.example/cb', 'com.example.app:/cb']);
      expect(parseRedirectUriList('  \n ')).to.deep.equal([]);
    });
  });

  describe('§3.1.2.3 / RFC 9700 §4.1.3: matching is simple string comparison', () => {
    const registered = ['https://client.example.com/cb', 'http://127.0.0.1:8080/cb'];
    it('an identical string matches', () => {
      expect(matchRedirectUri('https://client.example.com/cb', registered)).to.equal(true);
      expect(matchRedirectUri('http://127.0.0.1:8080/cb', registered)).to.equal(true);
    });
    it('no prefix, suffix or query tolerance', () => {
      for (const uri of ['https://client.example.com/cb/evil', 'https://client.example.com/cbx', 'https://client.example.com/cb?x=1',
        'https://client.example.com/cb#x', 'https://client.example.com/c', 'https://client.example.com.evil.example/cb']) expect(matchRedirectUri(uri, registered), uri).to.equal(false);
    });
    it('no normalisation: case, trailing slash, default port, percent-encoding all differ', () => {
      for (const uri of ['https://CLIENT.example.com/cb', 'HTTPS://client.example.com/cb', 'https://client.example.com/CB', 'https://client.example.com/cb/',
        'https://client.example.com:443/cb', 'https://client.example.com/%63b', 'https://client.example.com//cb', ' https://client.example.com/cb']) expect(matchRedirectUri(uri, registered), uri).to.equal(false);
    });
    it('RFC 8252 §7.3: a loopback IP literal may come on any port; everything else, localhost included, is compared literally', () => {
      expect(matchRedirectUri('http://127.0.0.1:9090/cb', registered)).to.equal(true);
      expect(matchRedirectUri('http://127.0.0.1/cb', registered)).to.equal(true);
      expect(matchRedirectUri('http://[::1]:9090/cb', ['http://[::1]/cb'])).to.equal(true);
      for (const uri of ['http://127.0.0.1:9090/cb/', 'http://127.0.0.1:9090/CB', 'http://localhost:8080/cb', 'https://127.0.0.1:8080/cb', 'http://127.0.0.1:9090@evil.example/cb', 'http://127.0.0.1:99999999/cb', 'http://127.0.0.1:65536/cb', 'http://127.0.0.1:99999/cb']) {
        expect(matchRedirectUri(uri, registered), uri).to.equal(false);
      }
      expect(matchRedirectUri('http://localhost:9090/cb', ['http://localhost:8080/cb'])).to.equal(false);
    });
    it('nothing matches an empty registration', () => {
      expect(matchRedirectUri('https://client.example.com/cb', [])).to.equal(false);
      expect(matchRedirectUri('', [])).to.equal(false);
    });
  });
});
