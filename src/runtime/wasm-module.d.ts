// What an imported .wasm is in a Worker bundle (the CompiledWasm module rule in wrangler.toml): a
// compiled module, because workerd refuses to compile WASM from bytes.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
