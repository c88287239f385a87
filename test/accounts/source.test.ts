import { expect } from 'chai';
import { sourceOf } from '../../src/accounts/source.ts';

describe('throttle sources (sourceOf)', () => {
  it('an IPv4 address is its own source, also written as IPv4-mapped IPv6 (dotted or hex)', () => {
    expect(sourceOf('198.51.100.7')).to.equal('198.51.100.7');
    expect(sourceOf('::ffff:198.51.100.7')).to.equal('198.51.100.7');
    expect(sourceOf('::FFFF:c633:6407')).to.equal('198.51.100.7');
  });

  it('an IPv6 address counts by its /64, however it is written', () => {
    const net = sourceOf('2001:db8:20:1::1');
    for (const ip of ['2001:db8:20:1:ffff:ffff:ffff:fffe', '2001:0DB8:0020:0001:0:0:0:0', '2001:db8:20:1::', 'fe80::1%eth0'.replace('fe80::1', '2001:db8:20:1::9')]) expect(sourceOf(ip), ip).to.equal(net);
    expect(sourceOf('2001:db8:20:2::1')).to.not.equal(net);
    expect(sourceOf('2001:db8::')).to.equal('2001:db8:0:0::/64');
  });

  // Attacker read 12, G5: a proxy that appends the port (Azure Application Gateway) gave every connection a budget of
  // its own, and one 6to4 host holds 2^16 /64s.
  it('an address with a port (as some proxies forward it) is the address; a 6to4 address is its IPv4 host', () => {
    expect(sourceOf('198.51.100.7:51234')).to.equal('198.51.100.7');
    expect(sourceOf('[2001:db8:20:1::9]:443')).to.equal(sourceOf('2001:db8:20:1::1'));
    expect(sourceOf('[2001:db8:20:1::9]')).to.equal(sourceOf('2001:db8:20:1::1'));
    expect(sourceOf('2002:c633:6407:1::1')).to.equal('198.51.100.7');
    expect(sourceOf('2002:c633:6407:ffff::2')).to.equal('198.51.100.7');
  });

  it('no address, or something else, is a source of its own (never an IPv4 or IPv6 source)', () => {
    expect(sourceOf(undefined)).to.equal('unknown');
    expect(sourceOf('')).to.equal('unknown');
    expect(sourceOf('198.51.100.7, 10.0.0.1')).to.equal('other:198.51.100.7, 10.0.0.1');
  });
});
