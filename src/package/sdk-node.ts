// `import … from 'edgekms'` on Node (and Deno, which resolves npm packages with the `node` condition): the
// whole SDK of sdk.ts plus its Node rim, in one bundle so error classes and keyrings are the same objects
// whichever name a caller imports. `nodeCrypto` is AES-GCM on OpenSSL through node:crypto: pass it as
// `crypto` to encrypt/decrypt/encryptStream/decryptStream; the Node stream and file helpers use it already.
// WebCrypto stays the default everywhere, so a message and its code behave the same in every runtime.
export * from './sdk.ts';
export { nodeCrypto } from '../runtime/node-crypto.ts';
export { decryptFile, decryptGoEnvelopeFile, decryptNodeStream, encryptNodeStream, writeFileWhenVerified } from '../runtime/sdk-node.ts';
