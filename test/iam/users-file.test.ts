// users.json: every entry becomes a 'user' credential, and anything malformed stops start-up with the
// entry's index and what is wrong, never quoting a secret key.
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.ts';
import { parseUsersFile, UsersFileError } from '../../src/iam/users-file.ts';

const ENTRY = { access_key: 'APPACCESSKEY00000001', secret_key: 'AppSecretKey0000000000000000000000000001', principal: 'app1', projects: ['p1'] };

function refusal(text: string, reserved?: string[]): string {
  try {
    parseUsersFile(text, reserved);
  } catch (e) {
    expect(e).toBeInstanceOf(UsersFileError);
    expect((e as Error).name).toBe('UsersFileError');
    return (e as Error).message;
  }
  throw new Error('parseUsersFile accepted the file');
}
const SECOND = { ...ENTRY, access_key: 'APPACCESSKEY00000002', secret_key: 'AppSecretKey0000000000000000000000000002', principal: 'app2' };
const file = (...entries: unknown[]) => JSON.stringify(entries);

describe('users.json', () => {
  it('turns each entry into a user credential with the SK as its UTF-8 bytes', () => {
    const second = { ...ENTRY, access_key: 'abcdefgh', secret_key: 'sixteen-chars-é!', principal: 'B', projects: ['p-1', 'p_2'] };
    expect(parseUsersFile(file(ENTRY, second))).toEqual([
      { accessKey: ENTRY.access_key, secretKey: utf8(ENTRY.secret_key), principal: 'app1', projects: ['p1'], role: 'user' },
      { accessKey: 'abcdefgh', secretKey: utf8('sixteen-chars-é!'), principal: 'B', projects: ['p-1', 'p_2'], role: 'user' },
    ]);
    expect(parseUsersFile('[]')).toEqual([]);
  });

  it('refuses a file that is not a JSON array, without quoting it', () => {
    const broken = `[{"access_key": "${ENTRY.access_key}", "secret_key": "${ENTRY.secret_key}"`;
    expect(refusal(broken)).toBe('users file is not JSON');
    for (const notArray of ['{}', 'null', '"x"', '3']) expect(refusal(notArray)).toBe('users file must hold a JSON array');
  });

  it.each([
    ['null', null, 'must be an object'],
    ['a string', 'app1', 'must be an object'],
    ['no access key', { ...SECOND, access_key: undefined }, 'access_key must be 8-128 letters and digits'],
    ['a short access key', { ...SECOND, access_key: 'ABCDEFG' }, 'access_key must be 8-128 letters and digits'],
    ['a long access key', { ...SECOND, access_key: 'A'.repeat(129) }, 'access_key must be 8-128 letters and digits'],
    ['an access key with a symbol', { ...SECOND, access_key: 'ABCDEFGH-' }, 'access_key must be 8-128 letters and digits'],
    ['an access key after text', { ...SECOND, access_key: '-ABCDEFGH' }, 'access_key must be 8-128 letters and digits'],
    ['a numeric access key', { ...SECOND, access_key: 12345678 }, 'access_key must be 8-128 letters and digits'],
    ['a short secret key', { ...SECOND, secret_key: 'x'.repeat(15) }, 'secret_key must be at least 16 characters'],
    ['a secret key that is not a string', { ...SECOND, secret_key: 1234567890123456789 }, 'secret_key must be at least 16 characters'],
    ['no principal', { ...SECOND, principal: undefined }, 'principal must be 1-64 letters and digits'],
    ['an empty principal', { ...SECOND, principal: '' }, 'principal must be 1-64 letters and digits'],
    ['a long principal', { ...SECOND, principal: 'a'.repeat(65) }, 'principal must be 1-64 letters and digits'],
    ['a principal with a symbol', { ...SECOND, principal: 'app-1' }, 'principal must be 1-64 letters and digits'],
    ['the admin principal', { ...SECOND, principal: 'admin' }, 'principal "admin" is the administrator'],
    ['no projects', { ...SECOND, projects: undefined }, 'projects must be a non-empty array of project ids'],
    ['a project string', { ...SECOND, projects: 'p1' }, 'projects must be a non-empty array of project ids'],
    ['an empty project list', { ...SECOND, projects: [] }, 'projects must be a non-empty array of project ids'],
    ['a bad project id', { ...SECOND, projects: ['p1', 'p 2'] }, 'projects must be a non-empty array of project ids'],
    ['a numeric project id', { ...SECOND, projects: [1] }, 'projects must be a non-empty array of project ids'],
    ['a long project id', { ...SECOND, projects: ['p'.repeat(65)] }, 'projects must be a non-empty array of project ids'],
  ])('refuses %s, naming the entry', (_n, entry, why) => {
    const message = refusal(file(ENTRY, entry));
    expect(message).toBe(`users file entry 1: ${why}`);
    expect(message).not.toContain(ENTRY.secret_key);
    expect(message).not.toContain(SECOND.secret_key);
  });

  it('takes the bounds of each field inclusively', () => {
    const edge = { access_key: 'A'.repeat(128), secret_key: 's'.repeat(16), principal: 'p'.repeat(64), projects: ['q'.repeat(64)] };
    expect(parseUsersFile(file(edge))[0]).toMatchObject({ accessKey: edge.access_key, principal: edge.principal, projects: edge.projects });
  });

  it('refuses an access key used twice, or one the configuration reserves (the admin credential)', () => {
    expect(refusal(file(ENTRY, { ...ENTRY, principal: 'app2' }))).toBe(`users file entry 1: access_key ${ENTRY.access_key} is used twice`);
    expect(refusal(file(ENTRY), [ENTRY.access_key])).toBe(`users file entry 0: access_key ${ENTRY.access_key} is used twice`);
    expect(parseUsersFile(file(ENTRY), ['ADMINACCESSKEY000000'])).toHaveLength(1);
  });
});
