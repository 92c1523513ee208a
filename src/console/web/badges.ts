// Key states as people read them (the wire sends digits), shown as badges with text, not colour alone.
import { h } from './dom.ts';

export const KEY_STATES: Record<string, string> = { '1': 'Pending activation', '2': 'Enabled', '3': 'Disabled', '4': 'Pending deletion', '5': 'Pending import' };

export const keyStateBadge = (state: string) => h('span', { class: `badge state-${state}` }, KEY_STATES[state] ?? `State ${state}`);

export const badge = (text: string, kind = 'neutral') => h('span', { class: `badge ${kind}` }, text);
