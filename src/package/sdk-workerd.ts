// `import … from 'edgekms'` under the `workerd` condition: the same SDK, with loadWasm() taking the core as
// an imported module (workerd refuses to compile WASM from bytes; wrangler's CompiledWasm rule applies).
export * from '../sdk/index.ts';
export { loadWasm } from './wasm-module.ts';
