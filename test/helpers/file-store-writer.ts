// Child process for the crash test: writes numbered values as fast as it can and reports each
// acknowledged write on stdout, until it is killed.
import { FileStore } from '../../src/store/file.ts';

const dir = process.argv[2];
const store = await FileStore.open(dir);
const filler = new Uint8Array(32 * 1024).fill(0x61);
for (let i = 1; ; i++) {
  const value = new Uint8Array(8 + filler.length);
  new DataView(value.buffer).setFloat64(0, i);
  value.set(filler, 8);
  await store.put('crash/counter', value);
  await store.put(`crash/item/${i % 50}`, value);
  process.stdout.write(`${i}\n`);
}
