// Credentials held in memory (admin.json, users.json): found by their exact access key, nothing else.
import { describe, expect, it } from 'vitest';
import { ADMIN_PRINCIPAL, StaticCredentials, type Credential } from '../../src/iam/credentials.ts';

const cred = (accessKey: string, principal: string): Credential => ({ accessKey, secretKey: new TextEncoder().encode(`${principal}-secret-key-000000`), principal, projects: ['p1'], role: 'user' });

describe('StaticCredentials', () => {
  it('finds a credential by its access key, exactly', async () => {
    const alice = cred('ALICEAK0000000000000', 'alice');
    const bob = cred('BOBAK000000000000000', 'bob');
    const source = new StaticCredentials([alice, bob]);
    expect(await source.find('ALICEAK0000000000000')).toBe(alice);
    expect(await source.find('BOBAK000000000000000')).toBe(bob);
    for (const other of ['aliceak0000000000000', 'ALICEAK000000000000', '', 'constructor', '__proto__']) expect(await source.find(other), other).toBeNull();
    expect(await new StaticCredentials([]).find('ALICEAK0000000000000')).toBeNull();
  });

  it('the administrator’s principal is "admin" (a name users and roles may not take)', () => {
    expect(ADMIN_PRINCIPAL).toBe('admin');
  });
});
