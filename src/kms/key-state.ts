// Key states (wire values "1".."5"; docs/kms-api.md, "Keys") and which operations each state allows. The table
// is the single place these rules live; every operation asks it before touching a key.
import { Code, KmsError } from './errors.ts';

export const KeyState = {
  PendingActivation: '1',
  Enabled: '2',
  Disabled: '3',
  PendingDeletion: '4',
  PendingImport: '5',
} as const;
export type KeyState = (typeof KeyState)[keyof typeof KeyState];

/** Operation classes that share state rules. */
export type StateRule =
  | 'read' // describe-key, rotation status, list-grants, show tags; revoke/retire-grant (taking access away is always allowed)
  | 'use' // every cryptographic operation: encrypt/decrypt, data keys and key pairs, sign/verify, get-publickey, MACs
  | 'enable'
  | 'disable'
  | 'schedule-deletion'
  | 'cancel-deletion'
  | 'modify' // alias, description, aliases, create-grant, create/delete tags
  | 'configure-rotation'
  | 'import-material' // get-parameters-for-import, import-key-material
  | 'delete-material'; // delete-imported-key-material

type Outcome = null | [code: string, message: (id: string) => string];

const disabled: Outcome = [Code.KeyDisabled, (id) => `The key ${id} is disabled.`];
const pendingDeletion: Outcome = [Code.KeyPendingDeletion, (id) => `The key ${id} is pending deletion.`];
const pendingImport: Outcome = [Code.InvalidParameter, (id) => `The key ${id} is pending import: import its key material first.`];
const pendingActivation: Outcome = [Code.InvalidParameter, (id) => `The key ${id} is pending activation.`];

/** RULES[rule][state] is null when allowed, or the error to give. */
const RULES: Record<StateRule, Record<KeyState, Outcome>> = {
  read: { '1': null, '2': null, '3': null, '4': null, '5': null },
  use: { '1': pendingActivation, '2': null, '3': disabled, '4': pendingDeletion, '5': pendingImport },
  enable: {
    '1': [Code.EnableNotDisabled, (id) => `The key ${id} is not disabled.`],
    '2': [Code.EnableNotDisabled, (id) => `The key ${id} is not disabled.`],
    '3': null,
    '4': pendingDeletion,
    '5': [Code.EnableNotDisabled, (id) => `The key ${id} is not disabled.`],
  },
  disable: {
    '1': [Code.DisableNotEnabled, (id) => `The key ${id} is not enabled.`],
    '2': null,
    '3': [Code.DisableNotEnabled, (id) => `The key ${id} is not enabled.`],
    '4': pendingDeletion,
    '5': [Code.DisableNotEnabled, (id) => `The key ${id} is not enabled.`],
  },
  'schedule-deletion': {
    '1': null,
    '2': null,
    '3': null,
    '4': [Code.AlreadyPendingDeletion, (id) => `The key ${id} is already pending deletion.`],
    '5': null,
  },
  'cancel-deletion': {
    '1': [Code.NotPendingDeletion, (id) => `The key ${id} is not pending deletion.`],
    '2': [Code.NotPendingDeletion, (id) => `The key ${id} is not pending deletion.`],
    '3': [Code.NotPendingDeletion, (id) => `The key ${id} is not pending deletion.`],
    '4': null,
    '5': [Code.NotPendingDeletion, (id) => `The key ${id} is not pending deletion.`],
  },
  modify: { '1': null, '2': null, '3': null, '4': pendingDeletion, '5': null },
  'configure-rotation': { '1': pendingActivation, '2': null, '3': null, '4': pendingDeletion, '5': pendingImport },
  'import-material': {
    '1': [Code.NotPendingImport, (id) => `The key ${id} is not pending import.`],
    '2': [Code.NotPendingImport, (id) => `The key ${id} is not pending import.`],
    '3': [Code.NotPendingImport, (id) => `The key ${id} is not pending import.`],
    '4': pendingDeletion,
    '5': null,
  },
  'delete-material': {
    '1': [Code.MaterialNotDeletable, (id) => `Key material of ${id} can be deleted only while the key is enabled or disabled.`],
    '2': null,
    '3': null,
    '4': [Code.MaterialNotDeletable, (id) => `Key material of ${id} can be deleted only while the key is enabled or disabled.`],
    '5': [Code.MaterialNotDeletable, (id) => `Key material of ${id} can be deleted only while the key is enabled or disabled.`],
  },
};

export function assertState(keyId: string, state: KeyState, rule: StateRule): void {
  const outcome = RULES[rule][state];
  if (outcome) throw new KmsError(outcome[0], outcome[1](keyId));
}

export const STATE_RULES = RULES;

/** Where a key goes when its material is gone (deleted or expired): pending import, unless it is being deleted. */
export function stateWithoutMaterial(state: KeyState): KeyState {
  return state === KeyState.PendingDeletion ? state : KeyState.PendingImport;
}

/** cancel-key-deletion: back to disabled, or to pending import for an external key that has no material. */
export function stateAfterCancelDeletion(r: { origin: 'kms' | 'external'; versions: readonly unknown[] }): KeyState {
  return r.origin === 'external' && r.versions.length === 0 ? KeyState.PendingImport : KeyState.Disabled;
}
