import { expect } from 'chai';
import { isValidChallenge, isValidVerifier, parseChallengeMethod, s256, verifyPkce } from '../../src/oauth2/pkce.ts';
import { isOAuthError } from '../../src/oauth2/errors.ts';
import { RFC7636_APPENDIX_B } from '../fixtures/rfc.ts';

const failure = (fn: () => unknown) => {
  try { fn(); } catch (e) { if (isOAuthError(e)) return [e.status, e.error]; throw e; }
  return null;
};

describe('RFC 7636 PKCE', () => {
  const { codeVerifier, codeChallenge } = RFC7636_APPENDIX_B;

  describe('Appendix B example', () => {
    it('S256 of the example verifier is the example challenge', () => {
      expect(s256(codeVerifier)).to.equal(codeChallenge);
    });
    it('verifies with S256, and fails for a one-character change', () => {
      expect(verifyPkce(codeVerifier, codeChallenge, 'S256')).to.equal(true);
      expect(verifyPkce(codeVerifier.replace('d', 'e'), codeChallenge, 'S256')).to.equal(false);
      expect(verifyPkce(codeVerifier, codeChallenge.replace('E', 'F'), 'S256')).to.equal(false);
    });
    it('the example verifier and challenge are well-formed', () => {
      expect([isValidVerifier(codeVerifier), isValidChallenge(codeChallenge)]).to.deep.equal([true, true]);
    });
  });

  describe('§4.1 code_verifier = 43*128unreserved, §4.2 code_challenge alike', () => {
    it('accepts exactly 43 to 128 characters', () => {
      for (const [n, ok] of [[42, false], [43, true], [128, true], [129, false], [0, false]] as const) {
        expect(isValidVerifier('a'.repeat(n)), `verifier ${n}`).to.equal(ok);
        expect(isValidChallenge('a'.repeat(n)), `challenge ${n}`).to.equal(ok);
      }
    });
    it('accepts every unreserved character: ALPHA / DIGIT / "-" / "." / "_" / "~"', () => {
      expect(isValidVerifier('AZaz09-._~'.repeat(5))).to.equal(true);
    });
    it('refuses reserved and other characters', () => {
      for (const c of ['+', '/', '=', ' ', '%', '!', 'é', '\n']) {
        expect(isValidVerifier('a'.repeat(42) + c), JSON.stringify(c)).to.equal(false);
        expect(isValidChallenge('a'.repeat(42) + c), JSON.stringify(c)).to.equal(false);
      }
    });
  });

  describe('§4.2 S256 transform', () => {
    it('is BASE64URL without padding: 43 characters of the URL-safe alphabet', () => {
      const c = s256('a'.repeat(43));
      expect(c).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect(isValidChallenge(c)).to.equal(true);
    });
  });

  describe('§4.6 verification', () => {
    const v = 'x'.repeat(43);
    it('plain compares the verifier with the challenge', () => {
      expect(verifyPkce(v, v, 'plain')).to.equal(true);
      expect(verifyPkce(v, 'y'.repeat(43), 'plain')).to.equal(false);
    });
    it('a challenge of another length is a mismatch, not an exception', () => {
      expect(verifyPkce(v, v + 'x', 'plain')).to.equal(false);
      expect(verifyPkce(v, '', 'S256')).to.equal(false);
      expect(verifyPkce(codeVerifier, codeChallenge + 'A', 'S256')).to.equal(false);
    });
    it('a malformed verifier never verifies, even when it matches a plain challenge', () => {
      expect(verifyPkce('short', 'short', 'plain')).to.equal(false);
      expect(verifyPkce(v + '+', v + '+', 'plain')).to.equal(false);
    });
    it('a plain-method check does not accept the S256 challenge, and vice versa', () => {
      expect(verifyPkce(codeVerifier, codeChallenge, 'plain')).to.equal(false);
      expect(verifyPkce(codeVerifier, codeVerifier, 'S256')).to.equal(false);
    });
  });

  describe('§4.3 code_challenge_method (S256 required unless plain is enabled)', () => {
    it('S256 is always accepted', () => {
      expect(parseChallengeMethod('S256', false)).to.equal('S256');
      expect(parseChallengeMethod('S256', true)).to.equal('S256');
    });
    it('absent or plain is plain only when allowed, otherwise invalid_request', () => {
      expect(parseChallengeMethod(undefined, true)).to.equal('plain');
      expect(parseChallengeMethod('plain', true)).to.equal('plain');
      expect(failure(() => parseChallengeMethod(undefined, false))).to.deep.equal([400, 'invalid_request']);
      expect(failure(() => parseChallengeMethod('plain', false))).to.deep.equal([400, 'invalid_request']);
    });
    it('§4.4.1: an unsupported transform is invalid_request (method names are case-sensitive)', () => {
      for (const m of ['S512', 's256', 'PLAIN', '', 'S256 ']) {
        expect(failure(() => parseChallengeMethod(m, true)), JSON.stringify(m)).to.deep.equal([400, 'invalid_request']);
      }
    });
  });
});
