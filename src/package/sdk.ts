// `import … from 'edgekms'`: the SDK (src/sdk/index.ts) plus loadWasm(), which finds the WASM core that
// ships next to this file in the package. The Workers build of this entry (sdk-workerd.ts) is the same
// with the core imported as a module.
export * from '../sdk/index.ts';
export { loadWasm } from './wasm-url.ts';
