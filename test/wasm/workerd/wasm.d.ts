// What an imported .wasm is in a Worker (CompiledWasm module rule): a compiled module.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
