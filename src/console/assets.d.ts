// The console's assets, supplied at bundle time by scripts/console-assets.mjs (an esbuild plugin).
declare module 'edgekms:console-assets' {
  const assets: import('../server/console.ts').ConsoleAssets;
  export default assets;
}
