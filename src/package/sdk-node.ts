// `import … from 'edgekms'` on Node (and Deno, which resolves npm packages with the `node` condition): the
// whole SDK of sdk.ts plus its Node rim, in one bundle so error classes and keyrings are the same objects
// whichever name a caller imports. Here the entry points that take a crypto provider (encrypt, decrypt,
// encryptStream, decryptStream, the Huawei readers) default to `nodeCrypto`, AES-GCM on OpenSSL through
// node:crypto, which is faster on Node than WebCrypto (runtime/sdk-native.ts); pass `crypto` to choose
// another (`portableCrypto` is WebCrypto). The messages are byte for byte the same whichever provider writes them (the ENV1 vectors run
// under both), so they open in every runtime. The portable entry (sdk.ts) keeps WebCrypto as its default.
export * from './sdk.ts';
export { nodeCrypto } from '../runtime/node-crypto.ts';
export { portableCrypto } from '../crypto/provider.ts';
export { decrypt, decryptHuaweiMessage, decryptHuaweiStream, decryptStream, encrypt, encryptStream, huaweiLocalAesUnwrapper } from '../runtime/sdk-native.ts';
export { decryptFile, decryptGoEnvelopeFile, decryptNodeStream, encryptNodeStream, writeFileWhenVerified } from '../runtime/sdk-node.ts';
