//! GCM (NIST SP 800-38D) over any of the crate's bitsliced block ciphers, incremental: AAD in any number of
//! pieces, then data in pieces of any length, then the tag. Chunk boundaries do not change the result.
//!
//! Decryption hashes the ciphertext and releases plaintext before the tag is checked (there is no other
//! way to stream); callers must not act on that plaintext until `verify` succeeds. The TypeScript layer
//! documents this and offers one-shot functions that return nothing on failure.

use crate::aes::Aes;
use crate::ghash::Ghash;
use crate::sm4::Sm4;

pub const ERR_STATE: i32 = -4;
pub const ERR_TOO_LONG: i32 = -5;
pub const ERR_AUTH: i32 = -7;
pub const ERR_TAG: i32 = -9;

/// Keystream is produced this many bytes at a time (a multiple of every cipher's batch).
const KS: usize = 512;
/// SP 800-38D limit on the plaintext: 2^32 - 2 blocks.
const MAX_DATA: u64 = (1u64 << 36) - 32;
/// Bulk data in one call from which GHASH opens its streams and AES uses its counter table (measured:
/// below it, building the tables and closing the streams cost more than they save).
const LANES_MIN_BYTES: usize = 2048;

pub trait BlockCipher {
    /// Bytes encrypted at once (the bitsliced batch), a divisor of `KS`.
    const BATCH: usize;

    /// Encrypts `buf` (a multiple of `BATCH` bytes) in place.
    fn encrypt(&self, buf: &mut [u8]);

    /// Writes the keystream of the counter blocks `j0[..12] || ctr + i` into `buf` (a multiple of `BATCH`
    /// bytes). `public_bulk`: the counter values are public (12-byte IV) and there is enough data for
    /// shortcuts that index by them.
    fn ctr_ks(&mut self, j0: &[u8; 16], ctr: u32, buf: &mut [u8], public_bulk: bool) {
        let _ = public_bulk;
        fill_counters(j0, ctr, buf);
        self.encrypt(buf);
    }
}

/// Counter blocks `j0[..12] || ctr + i` (inc32) for the whole of `buf`.
fn fill_counters(j0: &[u8; 16], ctr: u32, buf: &mut [u8]) {
    for (i, b) in buf.chunks_exact_mut(16).enumerate() {
        b[..12].copy_from_slice(&j0[..12]);
        b[12..].copy_from_slice(&ctr.wrapping_add(i as u32).to_be_bytes());
    }
}

impl BlockCipher for Aes {
    const BATCH: usize = 128;

    fn encrypt(&self, buf: &mut [u8]) {
        for c in buf.chunks_exact_mut(128) {
            self.encrypt8(c.try_into().unwrap());
        }
    }

    /// With public counters, batches of 8 whose counters share their first 15 bytes start from the
    /// tabulated state after round 2 (`Aes::ctr8`); one batch in 32 straddles a change of byte 14.
    fn ctr_ks(&mut self, j0: &[u8; 16], ctr: u32, buf: &mut [u8], public_bulk: bool) {
        for (b, chunk) in buf.chunks_exact_mut(128).enumerate() {
            let chunk: &mut [u8; 128] = chunk.try_into().unwrap();
            let c = ctr.wrapping_add(8 * b as u32);
            if public_bulk && c & 0xff <= 248 {
                let mut prefix = [0u8; 16];
                prefix[..12].copy_from_slice(&j0[..12]);
                prefix[12..].copy_from_slice(&(c & !0xff).to_be_bytes());
                self.ctr8(&prefix, (c & 0xff) as usize, chunk);
            } else {
                fill_counters(j0, c, chunk);
                self.encrypt8(chunk);
            }
        }
    }
}

impl BlockCipher for Sm4 {
    const BATCH: usize = crate::sm4::BATCH_BYTES;

    fn encrypt(&self, buf: &mut [u8]) {
        for c in buf.chunks_exact_mut(Self::BATCH) {
            self.crypt32(c.try_into().unwrap(), false);
        }
    }
}

const PHASE_AAD: u32 = 0;
const PHASE_DATA: u32 = 1;
const PHASE_DONE: u32 = 2;

#[repr(C)]
pub struct Gcm<C> {
    pub cipher: C,
    ghash: Ghash,
    ks: [u8; KS],
    ks_pos: usize,
    ks_len: usize,
    j0: [u8; 16],
    /// E_K(J0), the tag's mask.
    ej0: [u8; 16],
    /// Counter (last 32 bits, inc32) of the next keystream block.
    ctr: u32,
    /// Bytes waiting for a whole GHASH block (AAD during the AAD phase, ciphertext after).
    part: [u8; 16],
    part_len: usize,
    aad_len: u64,
    data_len: u64,
    phase: u32,
    decrypt: u32,
    /// The IV was 12 bytes: counters are public (J0 = IV || 1).
    iv12: u32,
}

impl<C: BlockCipher> Gcm<C> {
    /// Call after `cipher` is keyed. `iv` is non-empty (checked by the caller).
    pub fn init(&mut self, iv: &[u8], decrypt: bool) {
        // One batch gives H = E_K(0^128) and, when J0 does not depend on H (12-byte IV), E_K(J0).
        let n = C::BATCH;
        self.ks[..n].fill(0);
        if iv.len() == 12 {
            self.j0[..12].copy_from_slice(iv);
            self.j0[12..].copy_from_slice(&1u32.to_be_bytes());
            self.ks[16..32].copy_from_slice(&self.j0);
        }
        self.cipher.encrypt(&mut self.ks[..n]);
        let mut h = [0u8; 16];
        h.copy_from_slice(&self.ks[..16]);
        self.ghash.init(&h);
        crate::mem::wipe(&mut h);
        if iv.len() == 12 {
            self.ej0.copy_from_slice(&self.ks[16..32]);
        } else {
            // J0 = GHASH(IV || 0-pad || 0^64 || [len(IV)]_64)
            let whole = iv.len() / 16 * 16;
            self.ghash.update(&iv[..whole]);
            if whole < iv.len() {
                let mut b = [0u8; 16];
                b[..iv.len() - whole].copy_from_slice(&iv[whole..]);
                self.ghash.block(&b);
            }
            let mut b = [0u8; 16];
            b[8..].copy_from_slice(&((iv.len() as u64) * 8).to_be_bytes());
            self.ghash.block(&b);
            self.j0 = self.ghash.digest();
            self.ghash.reset();
            self.ks[..n].fill(0);
            self.ks[..16].copy_from_slice(&self.j0);
            self.cipher.encrypt(&mut self.ks[..n]);
            self.ej0.copy_from_slice(&self.ks[..16]);
        }
        self.ctr = u32::from_be_bytes(self.j0[12..].try_into().unwrap()).wrapping_add(1);
        self.ks = [0; KS];
        self.ks_pos = 0;
        self.ks_len = 0;
        self.part_len = 0;
        self.aad_len = 0;
        self.data_len = 0;
        self.phase = PHASE_AAD;
        self.decrypt = decrypt as u32;
        self.iv12 = (iv.len() == 12) as u32;
    }

    pub fn aad(&mut self, mut data: &[u8]) -> i32 {
        if self.phase != PHASE_AAD {
            return ERR_STATE;
        }
        if data.len() as u64 > (1u64 << 61) - 1 - self.aad_len {
            return ERR_TOO_LONG;
        }
        self.aad_len += data.len() as u64;
        if self.part_len > 0 {
            let n = (16 - self.part_len).min(data.len());
            self.part[self.part_len..self.part_len + n].copy_from_slice(&data[..n]);
            self.part_len += n;
            data = &data[n..];
            if self.part_len < 16 {
                return 0;
            }
            let b = self.part;
            self.ghash.block(&b);
            self.part_len = 0;
        }
        let whole = data.len() / 16 * 16;
        self.ghash.update(&data[..whole]);
        self.part[..data.len() - whole].copy_from_slice(&data[whole..]);
        self.part_len = data.len() - whole;
        0
    }

    /// Ends the AAD phase: the partial AAD block is zero-padded and hashed.
    fn start_data(&mut self) {
        if self.phase == PHASE_AAD {
            self.flush_part();
            self.phase = PHASE_DATA;
        }
    }

    fn flush_part(&mut self) {
        if self.part_len > 0 {
            let mut b = [0u8; 16];
            b[..self.part_len].copy_from_slice(&self.part[..self.part_len]);
            self.ghash.block(&b);
            self.part_len = 0;
            self.part = [0; 16];
        }
    }

    /// Fills the keystream buffer with the next counter blocks, encrypted: enough whole batches for `want`
    /// bytes, at most `KS`. `bulk`: the caller has enough data for the cipher's counter shortcuts to pay.
    #[inline(always)]
    fn refill(&mut self, bulk: bool, want: usize) {
        let n = if want >= KS { KS } else { want.div_ceil(C::BATCH) * C::BATCH };
        self.cipher.ctr_ks(&self.j0, self.ctr, &mut self.ks[..n], bulk && self.iv12 != 0);
        self.ctr = self.ctr.wrapping_add((n / 16) as u32);
        self.ks_pos = 0;
        self.ks_len = n;
    }

    /// Encrypts or decrypts `data` in place.
    pub fn update(&mut self, data: &mut [u8]) -> i32 {
        if self.phase == PHASE_DONE {
            return ERR_STATE;
        }
        if data.len() as u64 > MAX_DATA - self.data_len {
            return ERR_TOO_LONG;
        }
        self.start_data();
        self.data_len += data.len() as u64;
        let dec = self.decrypt != 0;
        let mut i = self.drain(data, 0, dec);
        // Whole 512-byte chunks: 32 keystream blocks, then GHASH over the ciphertext while it is in L1.
        // (Interleaving GHASH, which is scalar multiplies, between the SIMD cipher rounds was tried twice:
        // under V8 it was slower, from spills around the calls and V8's own instruction scheduling.)
        // GHASH runs as 16 interleaved streams (ghash.rs) once there is enough data to pay for opening
        // them; they stay open across calls until something else needs the hash.
        let lanes = self.ghash.lanes_open() || data.len() - i >= LANES_MIN_BYTES;
        while data.len() - i >= KS {
            self.refill(lanes, KS);
            let chunk: &mut [u8; KS] = (&mut data[i..i + KS]).try_into().unwrap();
            if dec {
                self.hash_chunk(chunk, lanes);
            }
            xor_into(chunk, &self.ks);
            if !dec {
                self.hash_chunk(chunk, lanes);
            }
            self.ks_pos = KS;
            i += KS;
        }
        if i < data.len() {
            self.refill(lanes, data.len() - i);
            i = self.drain(data, i, dec);
        }
        debug_assert!(i == data.len());
        0
    }

    #[inline(always)]
    fn hash_chunk(&mut self, chunk: &[u8; KS], lanes: bool) {
        if lanes {
            self.ghash.update_lanes(chunk);
        } else {
            self.ghash.update(chunk);
        }
    }

    /// Uses buffered keystream byte by byte, from `data[i]`; returns where it stopped.
    fn drain(&mut self, data: &mut [u8], mut i: usize, dec: bool) -> usize {
        while i < data.len() && self.ks_pos < self.ks_len {
            let c = data[i];
            let o = c ^ self.ks[self.ks_pos];
            data[i] = o;
            self.part[self.part_len] = if dec { c } else { o };
            self.part_len += 1;
            if self.part_len == 16 {
                let b = self.part;
                self.ghash.block(&b);
                self.part_len = 0;
            }
            self.ks_pos += 1;
            i += 1;
        }
        i
    }

    /// Finishes and writes the full 16-byte tag.
    pub fn tag(&mut self, out: &mut [u8; 16]) -> i32 {
        if self.phase == PHASE_DONE {
            return ERR_STATE;
        }
        self.start_data();
        self.flush_part();
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&(self.aad_len * 8).to_be_bytes());
        b[8..].copy_from_slice(&(self.data_len * 8).to_be_bytes());
        self.ghash.block(&b);
        let mut s = self.ghash.digest();
        for i in 0..16 {
            out[i] = s[i] ^ self.ej0[i];
        }
        crate::mem::wipe(&mut s);
        crate::mem::wipe(&mut self.ej0);
        self.ks = [0; KS];
        self.ks_len = 0;
        self.ks_pos = 0;
        self.phase = PHASE_DONE;
        0
    }

    /// Finishes and compares the tag (12 to 16 bytes, a prefix of the full tag) in constant time.
    pub fn verify(&mut self, expected: &[u8]) -> i32 {
        if expected.len() < 12 || expected.len() > 16 {
            return ERR_TAG;
        }
        let mut t = [0u8; 16];
        let r = self.tag(&mut t);
        if r != 0 {
            return r;
        }
        let mut diff = 0u8;
        for i in 0..expected.len() {
            diff |= t[i] ^ expected[i];
        }
        crate::mem::wipe(&mut t);
        if core::hint::black_box(diff) == 0 {
            0
        } else {
            ERR_AUTH
        }
    }
}

#[inline(always)]
fn xor_into(dst: &mut [u8; KS], src: &[u8; KS]) {
    use crate::bits::V;
    for i in (0..KS).step_by(16) {
        unsafe {
            let v = V::load(dst.as_ptr().add(i)) ^ V::load(src.as_ptr().add(i));
            v.store(dst.as_mut_ptr().add(i));
        }
    }
}
