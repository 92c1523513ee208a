// A Miniflare plugin (loaded through Miniflare's `unsafeBindings`) that gives a Worker a workerd
// `cryptoKey` binding: key material the Worker sees only as a non-extractable CryptoKey, the way a
// deployed Worker's secret key binding does. Neither wrangler.toml nor Miniflare's options offer this
// binding in the pinned versions; workerd itself does, and this is the thinnest way to reach it.
export const plugins = {
  'edgekms-secret-key': {
    getBindings(bindings) {
      return (bindings ?? []).map((b) => ({
        name: b.name,
        cryptoKey: { base64: b.options.base64, algorithm: { name: 'AES-GCM' }, extractable: false, usages: [0, 1] },
      }));
    },
    getNodeBindings() {
      return {};
    },
    getServices() {
      return [];
    },
  },
};
