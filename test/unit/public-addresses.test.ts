/** Which addresses count as public for outbound calls (DESIGN rule 15): a table of the ones that matter. */
import { describe, expect, it } from 'vitest';
import { isPublicAddress } from '../../src/adapters/public-addresses.js';

describe('isPublicAddress', () => {
  it.each([
    ['127.0.0.1'], ['127.1.2.3'], ['0.0.0.0'], ['10.0.0.1'], ['172.16.5.4'], ['172.31.255.255'], ['192.168.1.1'],
    ['169.254.169.254'], ['100.64.0.1'], ['198.18.0.1'], ['224.0.0.1'], ['255.255.255.255'], ['192.0.2.10'],
    ['::1'], ['::'], ['[::1]'], ['fe80::1'], ['fd00::1'], ['fc00::abcd'], ['ff02::1'], ['2001:db8::1'],
    ['::ffff:127.0.0.1'], ['::ffff:7f00:1'], ['::ffff:a9fe:a9fe'], ['::127.0.0.1'], ['64:ff9b::a9fe:a9fe'], ['2002:7f00:1::1'],
    ['2001::1'], ['not an address'], [''],
  ])('%s is not public', (address) => expect(isPublicAddress(address)).toBe(false));

  it.each([
    ['93.184.216.34'], ['8.8.8.8'], ['1.1.1.1'], ['172.32.0.1'], ['192.169.0.1'], ['100.128.0.1'],
    ['2606:4700:4700::1111'], ['2a00:1450:4001:80b::200e'], ['::ffff:8.8.8.8'], ['64:ff9b::808:808'],
  ])('%s is public', (address) => expect(isPublicAddress(address)).toBe(true));
});
