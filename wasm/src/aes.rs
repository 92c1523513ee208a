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
//! Counter mode with public counters (GCM with a 12-byte IV) skips rounds 1 and 2 (`ctr8`): within a run
//! of 256 counters only the last byte changes, and the state after two rounds is tabulated per run with
//! 5 S-box values per counter instead of 32 (`build_ctr_table`). Indexing that table by the counter leaks
//! nothing secret; building it uses the same circuit and no secret index.
//!
//! The S-box's 0x63 is folded into round keys 1..Nr: SubBytes is followed by ShiftRows and MixColumns,
//! and MixColumns maps a column of four equal bytes c to itself (2c^3c^c^c = c), so XOR-ing 0x63 into every
//! byte commutes through both and can be added with the next round key instead.

use crate::bits::{aes_sbox_core, sbox_word, shuffle, transpose16, transpose8, V};
use core::arch::wasm32::*;

pub struct Aes {
    rounds: usize,
    /// Bitsliced round keys in the physical layout of their round (see `phys`), 0x63 folded into 1..=rounds.
    rk: [[V; 8]; 15],
    /// Round keys 0..=2 in block byte order, for `build_ctr_table`.
    rk_bytes: [[u8; 16]; 3],
    ctr: CtrTable,
}

/// Counter mode shortcut (see `ctr8`): the state after round 2 of the 256 blocks `prefix || v`, in the
/// physical layout of round 3, entry v at `st[v]`.
struct CtrTable {
    st: [V; 256],
    /// The first 15 bytes of the blocks it holds (byte 15 is 0).
    prefix: [u8; 16],
    valid: u32,
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

/// Expands `v` (a byte pattern for one block) into the 8 planes all blocks share: the bit transpose of 8
/// copies, so byte p of plane k is 0xff where bit k of v[p] is set.
pub fn bitslice_const(v: &[u8; 16]) -> [V; 8] {
    let mut planes = [unsafe { V::load(v.as_ptr()) }; 8];
    transpose8(&mut planes);
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
            if r < 3 {
                for c in 0..4 {
                    self.rk_bytes[r][4 * c..4 * c + 4].copy_from_slice(&w[4 * r + c].to_le_bytes());
                }
            }
        }
        crate::mem::wipe(&mut w);
        self.ctr.valid = 0;
    }

    /// Encrypts 8 blocks (128 bytes) in place.
    pub fn encrypt8(&self, buf: &mut [u8; 128]) {
        let p = buf.as_mut_ptr();
        self.encrypt8_from(p, p, false)
    }

    /// Encrypts the 8 counter blocks `prefix || v .. v+7` into `out`, where `prefix` is 15 bytes (byte 15
    /// of `prefix` is ignored) and `v` <= 248, starting from the state after round 2 (one table per
    /// prefix, rebuilt when the prefix changes, about every 4 KiB of keystream).
    ///
    /// Only for counters that are public (GCM with a 12-byte IV: J0 = IV || 1, sent in the clear): the
    /// table is indexed by v. The table's contents are secret and are computed without secret indices.
    pub fn ctr8(&mut self, prefix: &[u8; 16], v: usize, out: &mut [u8; 128]) {
        debug_assert!(v <= 248);
        if self.ctr.valid == 0 || self.ctr.prefix[..15] != prefix[..15] {
            self.build_ctr_table(prefix);
        }
        let src = self.ctr.st[v..v + 8].as_ptr() as *const u8;
        self.encrypt8_from(src, out.as_mut_ptr(), true)
    }

    #[inline(always)]
    fn encrypt8_from(&self, src: *const u8, dst: *mut u8, after2: bool) {
        if self.rounds == 14 {
            self.encrypt8_n::<14>(src, dst, after2)
        } else {
            self.encrypt8_n::<10>(src, dst, after2)
        }
    }

    /// Fills the counter table for `prefix` (see `ctr8`). In the 256 blocks only byte 15 varies, so round 1
    /// changes one column (4 bytes, each the same S-box output times a MixColumns coefficient) and round 2
    /// every byte, but each through one of four S-box outputs. That is 5 S-box values per block instead of
    /// 32, computed with the bitsliced circuit on vectors of 16 values of v (never indexed by them).
    fn build_ctr_table(&mut self, prefix: &[u8; 16]) {
        let [rk0, rk1, rk2] = self.rk_bytes;
        // Round 1: SubBytes of v ^ rk0[15] for all v (16 vectors), and of the constant bytes.
        let mut a = [V::zero(); 24];
        for i in 0..16 {
            a[i] = V(u8x16_add(IOTA, u8x16_splat(16 * i as u8))) ^ V::splat8(rk0[15]);
        }
        let mut x = [0u8; 16];
        for b in 0..15 {
            x[b] = prefix[b] ^ rk0[b];
        }
        a[16] = unsafe { V::load(x.as_ptr()) };
        sbox_vec(&mut a);
        let mut y = [0u8; 16];
        unsafe { a[16].store(y.as_mut_ptr()) };
        // ShiftRows moves byte 15 (row 3, column 3) to row 3 of column 0; MixColumns then adds
        // MC[q][3] * s1 to row q of that column. c1 is the rest of the state after round 1.
        y[15] = 0;
        let mut c1 = mix_columns(&shift_rows(&y));
        for b in 0..16 {
            c1[b] ^= rk1[b];
        }
        // Round 2: SubBytes of the 4 varying bytes (c1[q] ^ MC[q][3] * s1, 64 vectors) and of c1.
        let mut s2 = [V::zero(); 72];
        let k1 = [V::splat8(c1[0]), V::splat8(c1[1]), V::splat8(c1[2]), V::splat8(c1[3])];
        for i in 0..16 {
            // Coefficients MC[q][3] = 1, 1, 3, 2.
            let x2 = xtime_v(a[i]);
            s2[i] = k1[0] ^ a[i];
            s2[16 + i] = k1[1] ^ a[i];
            s2[32 + i] = k1[2] ^ x2 ^ a[i];
            s2[48 + i] = k1[3] ^ x2;
        }
        s2[64] = unsafe { V::load(c1.as_ptr()) };
        sbox_vec(&mut s2);
        unsafe { s2[64].store(y.as_mut_ptr()) };
        // Row q of column 0 goes to column (4 - q) % 4 in ShiftRows; MixColumns spreads it over that column
        // with coefficients MC[.][q]. c2 is the rest of the state after round 2.
        y[..4].fill(0);
        let mut c2 = mix_columns(&shift_rows(&y));
        for b in 0..16 {
            c2[b] ^= rk2[b];
        }
        // State after round 2, byte (row q, column c) at phys(q, c, 2), for 16 values of v at a time.
        let mut k2 = [V::zero(); 16];
        for b in 0..16 {
            k2[b] = V::splat8(c2[b]);
        }
        let mut m = [[V::zero(); 3]; 4];
        let mut w = [V::zero(); 16];
        for i in 0..16 {
            for (r, mr) in m.iter_mut().enumerate() {
                let v1 = s2[16 * r + i];
                let v2 = xtime_v(v1);
                *mr = [v1, v2, v2 ^ v1];
            }
            for c in 0..4 {
                let r = (4 - c) % 4;
                for q in 0..4 {
                    w[phys(q, c, 2)] = k2[4 * c + q] ^ m[r][MC[q][r] as usize - 1];
                }
            }
            transpose16(&mut w);
            self.ctr.st[16 * i..16 * i + 16].copy_from_slice(&w);
        }
        crate::mem::wipe(&mut w);
        crate::mem::wipe(&mut m);
        crate::mem::wipe(&mut k2);
        self.ctr.prefix = *prefix;
        self.ctr.prefix[15] = 0;
        self.ctr.valid = 1;
        crate::mem::wipe(&mut a);
        crate::mem::wipe(&mut s2);
        crate::mem::wipe(&mut x);
        crate::mem::wipe(&mut y);
        crate::mem::wipe(&mut c1);
        crate::mem::wipe(&mut c2);
    }

    /// Straight-line code for NR rounds. A loop here gets unrolled again by V8 (its wasm loop unrolling),
    /// which made the function 80 KB of machine code, well past the 32 KB L1 instruction cache; written out,
    /// AES-256 is about a quarter of that.
    /// With `after2`, `src` holds states after round 2 in round 3's physical layout (`ctr8`); otherwise
    /// plaintext blocks. `src` and `dst` may be equal.
    #[inline(never)]
    fn encrypt8_n<const NR: usize>(&self, src: *const u8, dst: *mut u8, after2: bool) {
        let mut s = [V::zero(); 8];
        for (i, x) in s.iter_mut().enumerate() {
            *x = unsafe { V::load(src.add(16 * i)) };
        }
        transpose8(&mut s);
        // Rounds 1..NR-1 cycle through the four drift states k = r mod 4.
        let rk = &self.rk;
        if !after2 {
            for k in 0..8 {
                s[k] = shuffle!(s[k], TO_ROWS) ^ rk[0][k];
            }
            round::<1>(&mut s, &rk[1]);
            round::<2>(&mut s, &rk[2]);
        }
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
            unsafe { x.store(dst.add(16 * i)) };
        }
    }
}

/// MixColumns coefficients: output row q takes MC[q][j] times input row j of its column.
const MC: [[u8; 4]; 4] = [[2, 3, 1, 1], [1, 2, 3, 1], [1, 1, 2, 3], [3, 1, 1, 2]];
/// Lane i holds i.
const IOTA: v128 = u8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

/// Multiplication by x in GF(2^8) without a branch.
fn xtime(x: u8) -> u8 {
    (x << 1) ^ (0x1b & (x >> 7).wrapping_neg())
}

/// x times a public coefficient 1, 2 or 3.
fn gmul(x: u8, m: u8) -> u8 {
    match m {
        1 => x,
        2 => xtime(x),
        _ => xtime(x) ^ x,
    }
}

/// `xtime` on every byte: add to itself, reduce where the top bit was set (signed < 0).
#[inline(always)]
fn xtime_v(x: V) -> V {
    V(u8x16_add(x.0, x.0)) ^ (V(i8x16_lt(x.0, u8x16_splat(0))) & V::splat8(0x1b))
}

/// ShiftRows on a block in byte order (byte 4c + r is row r of column c).
fn shift_rows(y: &[u8; 16]) -> [u8; 16] {
    let mut z = [0u8; 16];
    for c in 0..4 {
        for r in 0..4 {
            z[4 * c + r] = y[4 * ((c + r) % 4) + r];
        }
    }
    z
}

fn mix_columns(z: &[u8; 16]) -> [u8; 16] {
    let mut o = [0u8; 16];
    for c in 0..4 {
        for q in 0..4 {
            for j in 0..4 {
                o[4 * c + q] ^= gmul(z[4 * c + j], MC[q][j]);
            }
        }
    }
    o
}

/// The AES S-box on every byte of `x` (a multiple of 8 registers), 128 bytes per circuit evaluation.
fn sbox_vec(x: &mut [V]) {
    for c in x.chunks_exact_mut(8) {
        let c: &mut [V; 8] = c.try_into().unwrap();
        transpose8(c);
        *c = aes_sbox_core(c);
        transpose8(c);
        for v in c.iter_mut() {
            *v = *v ^ V::splat8(0x63);
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
