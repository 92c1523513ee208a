// The key-state rules as a table written from the wire reference (Huawei's key states and each operation's
// error list), checked directly against src/kms/key-state.ts: the code and what the message says, for every
// rule in every state. test/kms/state-table.test.ts checks the same rules through every operation.
import { describe, expect, it } from 'vitest';
import { KmsError } from '../../src/kms/errors.ts';
import { KeyState, STATE_RULES, assertState, stateAfterCancelDeletion, stateWithoutMaterial, type StateRule } from '../../src/kms/key-state.ts';

const OK = null;
const DISABLED = ['KMS.0209', /is disabled/] as const;
const PENDING_DELETION = ['KMS.0210', /is pending deletion/] as const;
const PENDING_IMPORT = ['KMS.0308', /is pending import: import its key material first/] as const;
const PENDING_ACTIVATION = ['KMS.0308', /is pending activation/] as const;
const NOT_DISABLED = ['KMS.1201', /is not disabled/] as const;
const NOT_ENABLED = ['KMS.1301', /is not enabled/] as const;
const ALREADY_PENDING = ['KMS.1402', /is already pending deletion/] as const;
const NOT_PENDING_DELETION = ['KMS.1501', /is not pending deletion/] as const;
const NOT_PENDING_IMPORT = ['KMS.0310', /is not pending import/] as const;
const NOT_DELETABLE = ['KMS.2701', /can be deleted only while the key is enabled or disabled/] as const;

type Want = null | readonly [string, RegExp];
//                                    1 pending activation  2 enabled  3 disabled  4 pending deletion  5 pending import
const TABLE: Record<StateRule, [Want, Want, Want, Want, Want]> = {
  read: [OK, OK, OK, OK, OK],
  use: [PENDING_ACTIVATION, OK, DISABLED, PENDING_DELETION, PENDING_IMPORT],
  enable: [NOT_DISABLED, NOT_DISABLED, OK, PENDING_DELETION, NOT_DISABLED],
  disable: [NOT_ENABLED, OK, NOT_ENABLED, PENDING_DELETION, NOT_ENABLED],
  'schedule-deletion': [OK, OK, OK, ALREADY_PENDING, OK],
  'cancel-deletion': [NOT_PENDING_DELETION, NOT_PENDING_DELETION, NOT_PENDING_DELETION, OK, NOT_PENDING_DELETION],
  modify: [OK, OK, OK, PENDING_DELETION, OK],
  'configure-rotation': [PENDING_ACTIVATION, OK, OK, PENDING_DELETION, PENDING_IMPORT],
  'import-material': [NOT_PENDING_IMPORT, NOT_PENDING_IMPORT, NOT_PENDING_IMPORT, PENDING_DELETION, OK],
  'delete-material': [NOT_DELETABLE, OK, OK, NOT_DELETABLE, NOT_DELETABLE],
};
const STATES = ['1', '2', '3', '4', '5'] as const;
const ID = '0d0466b0-e727-4d9c-b35d-f84bb474a37f';

describe('key state rules', () => {
  it('cover exactly the rules and states of the table', () => {
    expect(Object.keys(STATE_RULES).sort()).toEqual(Object.keys(TABLE).sort());
    for (const rule of Object.keys(STATE_RULES) as StateRule[]) expect(Object.keys(STATE_RULES[rule]).sort()).toEqual([...STATES]);
  });

  for (const [rule, row] of Object.entries(TABLE) as [StateRule, Want[]][]) {
    it(`${rule}: allowed or refused with the right code and message in each state`, () => {
      row.forEach((want, i) => {
        const state = STATES[i];
        let thrown: unknown;
        try {
          assertState(ID, state, rule);
        } catch (e) {
          thrown = e;
        }
        if (want === null) {
          expect(thrown, `${rule} in ${state}`).toBeUndefined();
        } else {
          expect(thrown, `${rule} in ${state}`).toBeInstanceOf(KmsError);
          const e = thrown as KmsError;
          expect([e.code, e.status], `${rule} in ${state}`).toEqual([want[0], 400]);
          expect(e.message, `${rule} in ${state}`).toMatch(want[1]);
          expect(e.message, `${rule} in ${state}`).toMatch(new RegExp(`^(The key|Key material of) ${ID} `));
        }
      });
    });
  }

  it('a key losing its material goes to pending import, unless it is pending deletion', () => {
    expect(STATES.map((s) => stateWithoutMaterial(s))).toEqual(['5', '5', '5', '4', '5']);
  });

  it('cancelling deletion gives a disabled key, or pending import for an external key without material', () => {
    expect(stateAfterCancelDeletion({ origin: 'kms', versions: [1] })).toBe(KeyState.Disabled);
    expect(stateAfterCancelDeletion({ origin: 'kms', versions: [] })).toBe(KeyState.Disabled);
    expect(stateAfterCancelDeletion({ origin: 'external', versions: [1] })).toBe(KeyState.Disabled);
    expect(stateAfterCancelDeletion({ origin: 'external', versions: [] })).toBe(KeyState.PendingImport);
    expect(KeyState).toEqual({ PendingActivation: '1', Enabled: '2', Disabled: '3', PendingDeletion: '4', PendingImport: '5' });
  });
});
