// loadWasm() for Workers: the core arrives as a compiled module through the bundler's CompiledWasm rule.
import core from '../../wasm/pkg/edgekms_core.wasm';
import { initWasm } from '../crypto/wasm/core.ts';

export function loadWasm(): Promise<void> {
  return initWasm(core);
}
