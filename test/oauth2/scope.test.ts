import { expect } from 'chai';
import { formatScope, isSubset, isValidScopeToken, MAX_SCOPES, parseScope, resolveScope } from '../../src/oauth2/scope.ts';
import { InvalidScope, isOAuthError } from '../../src/oauth2/errors.ts';

const failure = (fn: () => unknown) => {
  try { fn(); } catch (e) { if (isOAuthError(e)) return [e.status, e.error]; throw e; }
  return null;
};

describe('RFC 6749 §3.3 scope', () => {
  describe('scope-token = 1*( %x21 / %x23-5B / %x5D-7E )', () => {
    it('accepts the boundary characters of every range', () => {
      for (const t of ['!', '#', '[', ']', '~', 'read', 'https://api.example/read', 'a:b', 'x.y_z-1']) expect(isValidScopeToken(t), t).to.equal(true);
    });
    it('refuses %x22 ("), %x5C (\\), space, controls, DEL and non-ASCII, and the empty token', () => {
      for (const t of ['"', 'a"b', '\\', 'a\\b', ' ', '\t', '\n', '\x00', '\x1f', '\x7f', 'é', '读', '']) expect(isValidScopeToken(t), JSON.stringify(t)).to.equal(false);
    });
  });

  describe('parseScope', () => {
    it('splits on spaces, keeps order, drops duplicates', () => {
      expect(parseScope('read write')).to.deep.equal(['read', 'write']);
      expect(parseScope('write read write')).to.deep.equal(['write', 'read']);
    });
    it('is lenient on runs of spaces and leading or trailing spaces', () => {
      expect(parseScope('  read   write ')).to.deep.equal(['read', 'write']);
    });
    it('treats empty, blank, undefined and null as no scope', () => {
      for (const v of ['', '   ', undefined, null]) expect(parseScope(v)).to.deep.equal([]);
    });
    it('is case-sensitive (§3.3: the strings are case-sensitive)', () => {
      expect(parseScope('read READ')).to.deep.equal(['read', 'READ']);
    });
    it('refuses more than MAX_SCOPES distinct scopes, and counts duplicates once', () => {
      const names = Array.from({ length: MAX_SCOPES + 1 }, (_, i) => `s${i}`);
      expect(() => parseScope(names.join(' '))).to.throw(InvalidScope);
      expect(parseScope([...names.slice(0, MAX_SCOPES), ...names.slice(0, MAX_SCOPES)].join(' '))).to.have.length(MAX_SCOPES);
    });

    it('refuses forbidden characters with invalid_scope 400', () => {
      for (const v of ['read "write"', 'a\\b', 'read\twrite', 'read\nwrite', 'read\x00', 'read\x7f', 'lecture-é']) {
        expect(failure(() => parseScope(v)), JSON.stringify(v)).to.deep.equal([400, 'invalid_scope']);
      }
    });
  });

  it('formatScope joins with single spaces and round-trips through parseScope', () => {
    expect(formatScope(['read', 'write'])).to.equal('read write');
    expect(formatScope([])).to.equal('');
    expect(parseScope(formatScope(['a', 'b', 'c']))).to.deep.equal(['a', 'b', 'c']);
  });

  it('isSubset', () => {
    expect(isSubset(['read'], ['read', 'write'])).to.equal(true);
    expect(isSubset([], ['read'])).to.equal(true);
    expect(isSubset(['read', 'admin'], ['read', 'write'])).to.equal(false);
    expect(isSubset(['Read'], ['read'])).to.equal(false);
  });

  describe('resolveScope', () => {
    const allowed = ['read', 'write', 'profile'];
    it('an empty request gets the defaults the client is allowed, in the defaults\' order', () => {
      expect(resolveScope([], allowed, ['profile', 'admin', 'read'])).to.deep.equal(['profile', 'read']);
      expect(resolveScope([], allowed, [])).to.deep.equal([]);
    });
    it('an allowed request is granted as asked', () => {
      expect(resolveScope(['write', 'read'], allowed, ['profile'])).to.deep.equal(['write', 'read']);
    });
    it('any scope outside the allowed set is invalid_scope', () => {
      expect(failure(() => resolveScope(['read', 'admin'], allowed, []))).to.deep.equal([400, 'invalid_scope']);
      expect(failure(() => resolveScope(['admin'], [], ['admin']))).to.deep.equal([400, 'invalid_scope']);
    });
  });
});
