//! AES-128 / AES-256 encryption (FIPS 197), bitsliced over 8 blocks in v128 registers.
//!
//! Layout: after `transpose8`, plane k (one v128) holds bit k of every state byte of 8 blocks, one block per
//! bit of a byte. The planes are kept row-major: row r of the state is 32-bit lane r. SubBytes is the
//! Boyar-Matthews-Peralta circuit run on the 8 planes (see bits.rs). Nothing indexes memory or branches
//! on key or data, which is what "constant time" means here; the cost is that one block costs as much as
//! eight (the callers batch 8 blocks).
//!
//! ShiftRows is never executed ("fixslicing", after Adomnicai and Peyrin, TCHES 2021/1): after k skipped
//! ShiftRows, row r has drifted k*r columns, and MixColumns reaches the same logical column by rotating
//! lanes (`pshufd`) and then bytes within lanes (two shifts). Round keys are stored pre-drifted, and one
//! byte shuffle per plane at the end puts the blocks back in order. The reason is engine cost: V8 compiles a
//! general `i8x16.shuffle` to pshufb plus four instructions that rebuild the mask each time, which made
//! ShiftRows and the column rotations about half of the round.
//!
//! Only the forward cipher exists: GCM needs nothing else.
//!
//! The S-box's 0x63 is folded into round keys 1..Nr: SubBytes is followed by ShiftRows and MixColumns,
//! and MixColumns maps a column of four equal bytes c to itself (2c^3c^c^c = c), so XOR-ing 0x63 into every
//! byte commutes through both and can be added with the next round key instead.

use crate::bits::{aes_sbox_core, sbox_word, shuffle, transpose8, V};
use core::arch::wasm32::*;

pub struct Aes {
    rounds: usize,
    /// Bitsliced round keys in the physical layout of their round (see `phys`), 0x63 folded into 1..=rounds.
    rk: [[V; 8]; 15],
}

/// Physical byte index, in a plane, of logical state byte (row r, column c) after `k` ShiftRows that were
/// not performed: rows are 32-bit lanes and row r has drifted by k*r columns.
const fn phys(r: usize, c: usize, k: usize) -> usize {
    4 * r + (c + k * r) % 4
}

/// Plane byte permutation from the standard column-major block order (byte 4c + r) to physical (k = 0).
const TO_ROWS: [usize; 16] = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15];

/// Permutation from the physical layout after `k` skipped ShiftRows back to column-major block order.
const fn from_phys(k: usize) -> [usize; 16] {
    let mut p = [0; 16];
    let mut c = 0;
    while c < 4 {
        let mut r = 0;
        while r < 4 {
            p[4 * c + r] = phys(r, c, k);
            r += 1;
        }
        c += 1;
    }
    p
}

fn sub_word(w: u32) -> u32 {
    sbox_word(w, |x| aes_sbox_core(x)) ^ 0x6363_6363
}

/// Expands `v` (a byte pattern for one block) into the 8 planes all blocks share.
pub fn bitslice_const(v: &[u8; 16]) -> [V; 8] {
    let mut planes = [V::zero(); 8];
    for (k, p) in planes.iter_mut().enumerate() {
        let mut b = [0u8; 16];
        for i in 0..16 {
            b[i] = ((v[i] >> k) & 1).wrapping_neg();
        }
        *p = unsafe { V::load(b.as_ptr()) };
        crate::mem::wipe(&mut b);
    }
    planes
}

impl Aes {
    /// Expands `key` (16 or 32 bytes, checked by the caller) into `self`, in place so that no copy of the
    /// schedule is left behind on the stack.
    pub fn init(&mut self, key: &[u8]) {
        let nk = key.len() / 4;
        let rounds = nk + 6;
        let total = 4 * (rounds + 1);
        // Words hold their bytes in memory order (byte 0 in the low 8 bits).
        let mut w = [0u32; 60];
        for i in 0..nk {
            w[i] = u32::from_le_bytes([key[4 * i], key[4 * i + 1], key[4 * i + 2], key[4 * i + 3]]);
        }
        let mut rcon: u32 = 1;
        for i in nk..total {
            let mut t = w[i - 1];
            if i % nk == 0 {
                t = sub_word(t.rotate_right(8)) ^ rcon;
                rcon = ((rcon << 1) ^ (((rcon >> 7) & 1) * 0x11b)) & 0xff;
            } else if nk > 6 && i % nk == 4 {
                t = sub_word(t);
            }
            w[i] = w[i - nk] ^ t;
        }
        self.rounds = rounds;
        for r in 0..=rounds {
            // Round key r is added after r skipped ShiftRows.
            let mut b = [0u8; 16];
            for c in 0..4 {
                let col = w[4 * r + c].to_le_bytes();
                for row in 0..4 {
                    b[phys(row, c, r % 4)] = col[row] ^ if r > 0 { 0x63 } else { 0 };
                }
            }
            self.rk[r] = bitslice_const(&b);
            crate::mem::wipe(&mut b);
        }
        crate::mem::wipe(&mut w);
    }

    /// Encrypts 8 blocks (128 bytes) in place.
    pub fn encrypt8(&self, buf: &mut [u8; 128]) {
        if self.rounds == 14 {
            self.encrypt8_n::<14>(buf)
        } else {
            self.encrypt8_n::<10>(buf)
        }
    }

    /// Straight-line code for NR rounds. A loop here gets unrolled again by V8 (its wasm loop unrolling),
    /// which made the function 80 KB of machine code, well past the 32 KB L1 instruction cache; written out,
    /// AES-256 is about a quarter of that.
    #[inline(never)]
    fn encrypt8_n<const NR: usize>(&self, buf: &mut [u8; 128]) {
        let p = buf.as_mut_ptr();
        let mut s = [V::zero(); 8];
        for (i, x) in s.iter_mut().enumerate() {
            *x = unsafe { V::load(p.add(16 * i)) };
        }
        transpose8(&mut s);
        for k in 0..8 {
            s[k] = shuffle!(s[k], TO_ROWS) ^ self.rk[0][k];
        }
        // Rounds 1..NR-1 cycle through the four drift states k = r mod 4.
        let rk = &self.rk;
        round::<1>(&mut s, &rk[1]);
        round::<2>(&mut s, &rk[2]);
        round::<3>(&mut s, &rk[3]);
        round::<0>(&mut s, &rk[4]);
        round::<1>(&mut s, &rk[5]);
        round::<2>(&mut s, &rk[6]);
        round::<3>(&mut s, &rk[7]);
        round::<0>(&mut s, &rk[8]);
        round::<1>(&mut s, &rk[9]);
        if NR == 14 {
            round::<2>(&mut s, &rk[10]);
            round::<3>(&mut s, &rk[11]);
            round::<0>(&mut s, &rk[12]);
            round::<1>(&mut s, &rk[13]);
        }
        // Final round: SubBytes, (skipped) ShiftRows, AddRoundKey; then back to the block byte order.
        // Both key sizes end after NR = 2 (mod 4) skipped ShiftRows.
        let t = aes_sbox_core(&s);
        for k in 0..8 {
            s[k] = shuffle!(t[k] ^ rk[NR][k], from_phys(2));
        }
        transpose8(&mut s);
        for (i, x) in s.iter().enumerate() {
            unsafe { x.store(p.add(16 * i)) };
        }
    }
}

/// Lanes (rows) moved up by one: out row r = in row r+1. One `pshufd`.
#[inline(always)]
fn rows1(x: V) -> v128 {
    i32x4_shuffle::<1, 2, 3, 0>(x.0, x.0)
}
#[inline(always)]
fn rows2(x: V) -> v128 {
    i32x4_shuffle::<2, 3, 0, 1>(x.0, x.0)
}
/// Byte q of each row takes byte q+n (mod 4): a right rotation of each 32-bit lane by 8n bits, written with
/// shifts so that the compiler keeps it apart from the lane shuffle (merged, they become a byte shuffle,
/// which V8 compiles to a much longer sequence).
#[inline(always)]
fn cols(x: v128, n: u32) -> V {
    if n % 4 == 0 {
        V(x)
    } else {
        V(v128_or(u32x4_shr(x, 8 * n), i32x4_shl(x, 32 - 8 * n)))
    }
}

/// One full round after K (mod 4) skipped ShiftRows: SubBytes, MixColumns in the drifted layout, key.
/// With a = the state, r1 = a's rows rotated up by one within each column, t = a ^ r1:
/// MixColumns(a) = 2a ^ 3r1 ^ rot2(a) ^ rot3(a) = xtime(t) ^ r1 ^ rot2(t). Logical row r+1 of the same
/// column sits K columns further along in physical row r+1.
#[inline(always)]
fn round<const K: u32>(s: &mut [V; 8], rk: &[V; 8]) {
    let a = aes_sbox_core(s);
    let mut t = [V::zero(); 8];
    let mut r1 = [V::zero(); 8];
    for k in 0..8 {
        r1[k] = cols(rows1(a[k]), K);
        t[k] = a[k] ^ r1[k];
    }
    // xtime in planes: multiply by x modulo x^8+x^4+x^3+x+1.
    let x2 = [t[7], t[0] ^ t[7], t[1], t[2] ^ t[7], t[3] ^ t[7], t[4], t[5], t[6]];
    for k in 0..8 {
        s[k] = x2[k] ^ r1[k] ^ cols(rows2(t[k]), 2 * K) ^ rk[k];
    }
}
