// The two signing schemes the verifier accepts, checked against independent implementations: node:crypto
// for SHA-256 and HMAC-SHA256, sm-crypto for SM3 and HMAC-SM3 (the server's SM3 is the WASM core).
import { createHash, createHmac } from 'node:crypto';
// @ts-expect-error sm-crypto ships no types
import smCrypto from 'sm-crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/encoding.ts';
import { nobleHashes } from '../../src/crypto/hash.ts';
import type { Credential } from '../../src/iam/credentials.ts';
import { schemeNamed, sha256Scheme, SM3_SCHEME } from '../../src/iam/schemes.ts';
import { nodeHashes } from '../../src/runtime/node-crypto.ts';
import { loadWasmNode } from '../../src/runtime/wasm-node.ts';

beforeAll(() => loadWasmNode());

const SK = 'SchemeSecretKey0000000000000000000000000';
const credential = (sk = SK): Credential => ({ accessKey: 'SCHEMEAK000000000000', secretKey: new TextEncoder().encode(sk), principal: 'p', projects: '*', role: 'admin' });
const STS = 'SDK-HMAC-SHA256\n20240101T120000Z\n' + 'ab'.repeat(32);
const hex = (b: Uint8Array) => toHex(b, false);
const bytes = (s: string) => [...new TextEncoder().encode(s)];
const hmacSm3Hex = (key: Uint8Array, s: string): string => smCrypto.sm3(bytes(s), { key: [...key] });

describe('schemeNamed', () => {
  it('knows exactly the two names, spelled as the Authorization header spells them', () => {
    expect(schemeNamed('SDK-HMAC-SHA256', nodeHashes)?.name).toBe('SDK-HMAC-SHA256');
    expect(schemeNamed('SDK-HMAC-SM3', nodeHashes)).toBe(SM3_SCHEME);
    for (const other of ['sdk-hmac-sha256', 'SDK-HMAC-SHA1', 'AWS4-HMAC-SHA256', 'SDK-HMAC-SM3 ', '']) expect(schemeNamed(other, nodeHashes), other).toBeUndefined();
  });
});

describe('SDK-HMAC-SHA256', () => {
  const scheme = sha256Scheme(nodeHashes);

  it('hashes bodies and strings with SHA-256 and MACs with HMAC-SHA256 under the SK', () => {
    expect(scheme.name).toBe('SDK-HMAC-SHA256');
    expect(scheme.contentHeader).toBe('x-sdk-content-sha256');
    expect(scheme.hashHex('abc')).toBe(createHash('sha256').update('abc').digest('hex'));
    expect(scheme.hashHex(new Uint8Array([0, 255]))).toBe(createHash('sha256').update(Buffer.from([0, 255])).digest('hex'));
    expect(hex(scheme.mac(credential())(STS))).toBe(createHmac('sha256', SK).update(STS).digest('hex'));
  });

  it('checks unknown access keys against a throwaway key of 40 zero bytes', () => {
    expect(hex(scheme.mac(null)(STS))).toBe(createHmac('sha256', Buffer.alloc(40)).update(STS).digest('hex'));
  });

  it('prepares each credential’s MAC once, and one scheme per hash implementation', () => {
    const c = credential();
    expect(scheme.mac(c)).toBe(scheme.mac(c));
    expect(scheme.mac(credential())).not.toBe(scheme.mac(c));
    expect(hex(scheme.mac(credential('another secret'))(STS))).toBe(createHmac('sha256', 'another secret').update(STS).digest('hex'));
    expect(sha256Scheme(nodeHashes)).toBe(scheme);
    const portable = sha256Scheme(nobleHashes);
    expect(portable).not.toBe(scheme);
    expect(sha256Scheme(nobleHashes)).toBe(portable);
    expect(hex(portable.mac(c)(STS))).toBe(hex(scheme.mac(c)(STS)));
  });
});

describe('SDK-HMAC-SM3', () => {
  it('hashes with SM3 (GB/T 32905 vector) and MACs with HMAC-SM3 under the SK', () => {
    expect(SM3_SCHEME.name).toBe('SDK-HMAC-SM3');
    expect(SM3_SCHEME.contentHeader).toBe('x-sdk-content-sm3');
    expect(SM3_SCHEME.hashHex('abc')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    expect(SM3_SCHEME.hashHex(new TextEncoder().encode('abc'))).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    const c = credential();
    expect(hex(SM3_SCHEME.mac(c)(STS))).toBe(hmacSm3Hex(c.secretKey, STS));
    expect(hex(SM3_SCHEME.mac(c)('second message'))).toBe(hmacSm3Hex(c.secretKey, 'second message'));
  });

  it('checks unknown access keys against a throwaway key of 40 zero bytes', () => {
    expect(hex(SM3_SCHEME.mac(null)(STS))).toBe(hmacSm3Hex(new Uint8Array(40), STS));
  });

  it('keeps its own copy of the key: a credential wiped afterwards does not change the MAC', () => {
    const c = credential();
    const mac = SM3_SCHEME.mac(c);
    const expected = hmacSm3Hex(new TextEncoder().encode(SK), STS);
    c.secretKey.fill(0);
    expect(hex(mac(STS))).toBe(expected);
    expect(SM3_SCHEME.mac(c)).toBe(mac);
  });
});
