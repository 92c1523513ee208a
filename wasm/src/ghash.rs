//! GHASH (NIST SP 800-38D, section 6.4) without secret-indexed memory and without branches on data.
//!
//! Two multiplication methods share one accumulator y:
//!
//! **Bulk: 16 interleaved streams and in-register 4-bit tables** (`Lanes`, used for long inputs). GHASH
//! of blocks X_0..X_{n-1} is the sum of X_i * H^(n-i). Block 16g + s goes to stream s, and each stream
//! runs its own Horner chain with the same multiplier H^16: a_s <- a_s * H^16 ^ X_{16(g+1)+s}. At the end,
//! y = sum_s a_s * H^(16-s) (`close`, done with the multiply path below). Because all streams multiply by
//! the same constant, the multiplication is a fixed linear map, evaluated with 4-bit lookup tables: byte o
//! of a * H^16 is the XOR over the 32 nibbles i of a of tab[i][o][nibble]. The state is kept bytesliced
//! (register j holds byte j of all 16 streams, one stream per lane), so one `i8x16.swizzle` looks up 16
//! streams at once: 512 swizzles per 16 blocks, already reduced, no carries, no reduction step.
//! `i8x16.swizzle` is a register permutation (x86 `pshufb`, ARM `tbl`): the nibble selects a lane of a
//! register, not a memory address, so its timing does not depend on the nibble. The tables are 8 KiB per
//! key, built on first bulk use from H^16 * x^d (d = 0..127) with shifts and masks, and loaded at fixed
//! addresses. Data enters with a 16x16 byte transpose (64 `punpck[lh]bw`).
//!
//! **Short inputs: integer multiplication with holes** (the idea of BearSSL's ghash_ctmul64). Split each
//! 64-bit operand into four parts that keep every fourth bit; in a product of two such parts all partial
//! products land on positions of one residue class mod 4, and no column of the low 64 bits has more than
//! 15 terms, so carries never reach the next position of the same class and masking the product recovers
//! the XOR-sum. Sixteen `i64.mul` give the low 64 bits of a 64x64 carry-less product; the high 64 bits come
//! from the same on bit-reversed operands. WASM's `i64.mul` is a fixed-latency machine multiply on the
//! engines we target, not a data-dependent loop. Up to 8 blocks are absorbed per reduction ("aggregated
//! reduction"): Y' = (Y ^ X1)*H^n ^ X2*H^(n-1) ^ ... ^ Xn*H, with Karatsuba (three 64x64 products per
//! block) and the powers H..H^8 and their bit-reversals precomputed when the key is set. XOR-ing several
//! products before masking is still exact (the garbage stays off the class positions), so 8 blocks cost
//! one masking per product.
//!
//! Field elements are kept as GCM writes them: the first byte's most significant bit is the coefficient of
//! x^0. Read big-endian, a block is the bit-reversal of the polynomial, so a carry-less product of two such
//! values is the reflected product shifted right by one; the multiply path shifts it back and reduces
//! modulo x^128 + x^7 + x^2 + x + 1 in the reflected domain with shifts and XORs.

use crate::bits::{transpose16, V};
use core::arch::wasm32::*;

const M0: u64 = 0x1111_1111_1111_1111;
const M1: u64 = M0 << 1;
const M2: u64 = M0 << 2;
const M3: u64 = M0 << 3;

/// One multiplier operand, split into its four hole-masked parts.
#[derive(Clone, Copy)]
#[repr(C)]
struct Parts([u64; 4]);

impl Parts {
    const fn new(y: u64) -> Parts {
        Parts([y & M0, y & M1, y & M2, y & M3])
    }
}

/// Low 64 bits of the carry-less product x * y.
#[inline(always)]
fn bmul(x: u64, y: &Parts) -> u64 {
    let (x0, x1, x2, x3) = (x & M0, x & M1, x & M2, x & M3);
    let [y0, y1, y2, y3] = y.0;
    let m = |a: u64, b: u64| a.wrapping_mul(b);
    let z0 = m(x0, y0) ^ m(x1, y3) ^ m(x2, y2) ^ m(x3, y1);
    let z1 = m(x0, y1) ^ m(x1, y0) ^ m(x2, y3) ^ m(x3, y2);
    let z2 = m(x0, y2) ^ m(x1, y1) ^ m(x2, y0) ^ m(x3, y3);
    let z3 = m(x0, y3) ^ m(x1, y2) ^ m(x2, y1) ^ m(x3, y0);
    (z0 & M0) | (z1 & M1) | (z2 & M2) | (z3 & M3)
}

/// Low 64 bits of the XOR over i of the carry-less products x[i] * (operand `c` of H^(8-i)).
///
/// Kept out of line on purpose: inlined into `absorb8`, the compiler interleaves the six independent
/// products and the engine (V8 has about a dozen general registers here) spills their accumulators around
/// every multiply. Measured: this layout made GHASH about 25% faster than block-by-block accumulation.
#[inline(never)]
fn product8(x: &[u64; 8], pow: &[Power; 8], c: usize) -> u64 {
    let (mut z0, mut z1, mut z2, mut z3) = (0u64, 0u64, 0u64, 0u64);
    let m = |a: u64, b: u64| a.wrapping_mul(b);
    for i in 0..8 {
        let [y0, y1, y2, y3] = pow[7 - i].0[c].0;
        let (x0, x1, x2, x3) = (x[i] & M0, x[i] & M1, x[i] & M2, x[i] & M3);
        z0 ^= m(x0, y0) ^ m(x1, y3) ^ m(x2, y2) ^ m(x3, y1);
        z1 ^= m(x0, y1) ^ m(x1, y0) ^ m(x2, y3) ^ m(x3, y2);
        z2 ^= m(x0, y2) ^ m(x1, y1) ^ m(x2, y0) ^ m(x3, y3);
        z3 ^= m(x0, y3) ^ m(x1, y2) ^ m(x2, y1) ^ m(x3, y0);
    }
    (z0 & M0) | (z1 & M1) | (z2 & M2) | (z3 & M3)
}

/// A power of H prepared for Karatsuba: high word, low word, their XOR, and the bit-reversals of the three.
#[derive(Clone, Copy)]
#[repr(C)]
struct Power([Parts; 6]);

impl Power {
    fn new(h: (u64, u64)) -> Power {
        let (h1, h0) = h;
        let (r1, r0) = (h1.reverse_bits(), h0.reverse_bits());
        Power([Parts::new(h1), Parts::new(h0), Parts::new(h1 ^ h0), Parts::new(r1), Parts::new(r0), Parts::new(r1 ^ r0)])
    }
}

/// Unreduced Karatsuba pieces of a group of products (the *1 words are bit-reversed high halves).
#[derive(Default)]
struct Acc {
    lo0: u64,
    lo1: u64,
    hi0: u64,
    hi1: u64,
    md0: u64,
    md1: u64,
}

#[repr(C)]
pub struct Ghash {
    /// H^1 .. H^8 at indices 0..8.
    pow: [Power; 8],
    /// Accumulator as big-endian words (hi = bytes 0..8).
    y: (u64, u64),
    /// H^16, from which `lanes.tab` is built on first bulk use.
    h16: (u64, u64),
    lanes: Lanes,
}

/// 16 interleaved GHASH streams, bytesliced: `acc[j]` holds byte j of the 16 stream accumulators (stream s
/// in lane s). Each stream is multiplied by the same H^16, so one 16-entry table per (nibble position, output
/// byte) serves all streams through `i8x16.swizzle`.
#[repr(C)]
struct Lanes {
    /// tab[i][o]: lane n = byte o of (n at nibble position i) * H^16. Nibble position i is the low (even i) or
    /// high (odd i) nibble of block byte i/2.
    tab: [[V; 16]; 32],
    acc: [V; 16],
    /// Tables built (for this H).
    ready: u32,
    /// Streams hold data not yet folded into y.
    open: u32,
}

/// A block as (big-endian hi, big-endian lo, bit-reversed hi, bit-reversed lo).
#[inline(always)]
fn words(v: V) -> (u64, u64, u64, u64) {
    // Byte-swap each half for the big-endian words; reverse the bits of each byte for the reflected ones
    // (a little-endian read of bit-reversed bytes is the 64-bit reversal of the big-endian word). The
    // nibble reversal is an in-register shuffle, not a memory lookup.
    let be = i8x16_shuffle::<7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8>(v.0, v.0);
    const REV_LO: v128 = u8x16(0x0, 0x8, 0x4, 0xc, 0x2, 0xa, 0x6, 0xe, 0x1, 0x9, 0x5, 0xd, 0x3, 0xb, 0x7, 0xf);
    const REV_HI: v128 = u8x16(0x00, 0x80, 0x40, 0xc0, 0x20, 0xa0, 0x60, 0xe0, 0x10, 0x90, 0x50, 0xd0, 0x30, 0xb0, 0x70, 0xf0);
    let mask = u8x16_splat(0x0f);
    let lo = v128_and(v.0, mask);
    let hi = v128_and(u16x8_shr(v.0, 4), mask);
    let rev = v128_or(i8x16_swizzle(REV_HI, lo), i8x16_swizzle(REV_LO, hi));
    (
        u64x2_extract_lane::<0>(be),
        u64x2_extract_lane::<1>(be),
        u64x2_extract_lane::<0>(rev),
        u64x2_extract_lane::<1>(rev),
    )
}

/// Reduces the 256-bit carry-less product given as Karatsuba pieces and returns the field element.
#[inline(always)]
fn reduce(lo: (u64, u64), hi: (u64, u64), mid: (u64, u64)) -> (u64, u64) {
    // lo/hi/mid are (high word, low word) of 128-bit products; mid still contains lo ^ hi.
    let mh = mid.0 ^ lo.0 ^ hi.0;
    let ml = mid.1 ^ lo.1 ^ hi.1;
    let q3 = hi.0;
    let q2 = hi.1 ^ mh;
    let q1 = lo.0 ^ ml;
    let q0 = lo.1;
    // Reflected product = Q << 1 (the carry-less product of two 128-bit values has 255 bits).
    let r3 = (q3 << 1) | (q2 >> 63);
    let r2 = (q2 << 1) | (q1 >> 63);
    let mut u1 = (q1 << 1) | (q0 >> 63);
    let u0 = q0 << 1;
    // (r1, r0) = U holds the coefficients of x^128..x^255: add U * (1 + x + x^2 + x^7). The bits that would
    // fall off the low end are folded back first (they are x^128.. again).
    u1 ^= (u0 << 63) ^ (u0 << 62) ^ (u0 << 57);
    let t1 = u1 ^ (u1 >> 1) ^ (u1 >> 2) ^ (u1 >> 7);
    let t0 = u0 ^ (u0 >> 1) ^ (u0 >> 2) ^ (u0 >> 7) ^ (u1 << 63) ^ (u1 << 62) ^ (u1 << 57);
    (r3 ^ t1, r2 ^ t0)
}

/// Field multiplication of two elements given as big-endian word pairs.
fn gf_mul(a: (u64, u64), b: (u64, u64)) -> (u64, u64) {
    let p = Power::new(b);
    let (a1, a0) = a;
    let (r1, r0) = (a1.reverse_bits(), a0.reverse_bits());
    let lo = (bmul(r0, &p.0[4]).reverse_bits() >> 1, bmul(a0, &p.0[1]));
    let hi = (bmul(r1, &p.0[3]).reverse_bits() >> 1, bmul(a1, &p.0[0]));
    let mid = (bmul(r1 ^ r0, &p.0[5]).reverse_bits() >> 1, bmul(a1 ^ a0, &p.0[2]));
    reduce(lo, hi, mid)
}

impl Ghash {
    /// Sets the hash key H (16 bytes) and clears the accumulator.
    pub fn init(&mut self, h: &[u8; 16]) {
        let h1 = u64::from_be_bytes(h[0..8].try_into().unwrap());
        let h0 = u64::from_be_bytes(h[8..16].try_into().unwrap());
        let mut p = (h1, h0);
        for i in 0..8 {
            self.pow[i] = Power::new(p);
            if i == 7 {
                self.h16 = gf_mul(p, p);
            }
            p = gf_mul(p, (h1, h0));
        }
        self.y = (0, 0);
        self.lanes.ready = 0;
        self.lanes.open = 0;
    }

    /// Multiplies block `i` of a group of `n` (1..=8) by its power of H into `acc`; block 0 first absorbs Y.
    #[inline(always)]
    unsafe fn acc_block(&self, acc: &mut Acc, block: *const u8, i: usize, n: usize) {
        let (mut a1, mut a0, mut r1, mut r0) = words(V::load(block));
        if i == 0 {
            a1 ^= self.y.0;
            a0 ^= self.y.1;
            r1 ^= self.y.0.reverse_bits();
            r0 ^= self.y.1.reverse_bits();
        }
        let p = &self.pow[n - 1 - i].0;
        acc.lo0 ^= bmul(a0, &p[1]);
        acc.lo1 ^= bmul(r0, &p[4]);
        acc.hi0 ^= bmul(a1, &p[0]);
        acc.hi1 ^= bmul(r1, &p[3]);
        acc.md0 ^= bmul(a1 ^ a0, &p[2]);
        acc.md1 ^= bmul(r1 ^ r0, &p[5]);
    }

    /// Reduces a finished group into Y.
    #[inline(always)]
    fn acc_finish(&mut self, acc: &Acc) {
        let lo = (acc.lo1.reverse_bits() >> 1, acc.lo0);
        let hi = (acc.hi1.reverse_bits() >> 1, acc.hi0);
        let mid = (acc.md1.reverse_bits() >> 1, acc.md0);
        self.y = reduce(lo, hi, mid);
    }

    /// Absorbs `n` (1..=8) blocks starting at `data`.
    #[inline(always)]
    unsafe fn absorb(&mut self, data: *const u8, n: usize) {
        let mut acc = Acc::default();
        for i in 0..n {
            self.acc_block(&mut acc, data.add(16 * i), i, n);
        }
        self.acc_finish(&acc);
    }

    /// Absorbs whole blocks (`len` a multiple of 16): long inputs through the streams, then closes them.
    pub fn update(&mut self, data: &[u8]) {
        let mut p = data.as_ptr();
        let mut n = data.len() / 16;
        if n >= LANES_MIN_BLOCKS {
            let bulk = n / 16 * 256;
            self.update_lanes(&data[..bulk]);
            p = unsafe { p.add(bulk) };
            n -= bulk / 16;
        }
        self.close();
        unsafe {
            while n >= 8 {
                self.absorb8(p);
                p = p.add(128);
                n -= 8;
            }
            if n > 0 {
                self.absorb_tail(p, n);
            }
        }
    }

    /// Absorbs 8 blocks. Same arithmetic as `absorb`, reordered for the register file: the six Karatsuba
    /// operands of all 8 blocks are prepared first, then each of the six products is accumulated over the
    /// 8 blocks (`product8`), unmasked: masking is linear, so it is done once per batch.
    #[inline(never)]
    unsafe fn absorb8(&mut self, p: *const u8) {
        // ops[c][i]: operand c of block i; c = a1, a0, a1^a0, r1, r0, r1^r0 (matching Power's order).
        let mut ops = [[0u64; 8]; 6];
        for i in 0..8 {
            let (mut a1, mut a0, mut r1, mut r0) = words(V::load(p.add(16 * i)));
            if i == 0 {
                a1 ^= self.y.0;
                a0 ^= self.y.1;
                r1 ^= self.y.0.reverse_bits();
                r0 ^= self.y.1.reverse_bits();
            }
            ops[0][i] = a1;
            ops[1][i] = a0;
            ops[2][i] = a1 ^ a0;
            ops[3][i] = r1;
            ops[4][i] = r0;
            ops[5][i] = r1 ^ r0;
        }
        let mut prod = [0u64; 6];
        for c in 0..6 {
            prod[c] = product8(&ops[c], &self.pow, c);
        }
        let lo = (prod[4].reverse_bits() >> 1, prod[1]);
        let hi = (prod[3].reverse_bits() >> 1, prod[0]);
        let mid = (prod[5].reverse_bits() >> 1, prod[2]);
        self.y = reduce(lo, hi, mid);
    }

    #[inline(never)]
    unsafe fn absorb_tail(&mut self, p: *const u8, n: usize) {
        self.absorb(p, n)
    }

    /// Absorbs one block.
    pub fn block(&mut self, b: &[u8; 16]) {
        self.close();
        unsafe { self.absorb_tail(b.as_ptr(), 1) }
    }

    /// The accumulator as 16 bytes.
    pub fn digest(&mut self) -> [u8; 16] {
        self.close();
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.y.0.to_be_bytes());
        out[8..].copy_from_slice(&self.y.1.to_be_bytes());
        out
    }
}

impl Ghash {
    pub fn reset(&mut self) {
        self.close();
        self.y = (0, 0);
    }
}

/// Below this many blocks, `update` does not open the streams: closing them costs 16 blocks of the
/// multiply path, and building the tables (once per key) about as much as 100 blocks.
const LANES_MIN_BLOCKS: usize = 128;

impl Ghash {
    /// Builds the swizzle tables for H^16. Indices are loop counters; only values depend on H.
    fn build_tables(&mut self) {
        // H^16 * x^d for d = 0..128, as blocks (big-endian bytes). x^d is bit 7 - d%8 of byte d/8.
        let mut v = ((self.h16.0 as u128) << 64) | self.h16.1 as u128;
        let mut basis = [V::zero(); 128];
        for b in basis.iter_mut() {
            *b = unsafe { V::load(v.to_be_bytes().as_ptr()) };
            // Multiply by x: shift towards the low end, reduce by R = 0xE1 << 120 if x^127 fell off.
            let m = (v & 1).wrapping_neg();
            v = (v >> 1) ^ (m & (0xE1u128 << 120));
        }
        crate::mem::wipe(&mut v);
        for i in 0..32 {
            // Nibble position i: bits 4(i%2) .. 4(i%2)+3 (least significant first) of byte i/2, i.e.
            // x^d for d = 8(i/2) + 7 - 4(i%2) - j, j = 0..4.
            let d = 8 * (i / 2) + 7 - 4 * (i % 2);
            // Row n of the products: (n at position i) * H^16; then transpose to tab[i][o], lane n.
            let mut t = [V::zero(); 16];
            for n in 1..16usize {
                t[n] = t[n & (n - 1)] ^ basis[d - n.trailing_zeros() as usize];
            }
            transpose16(&mut t);
            self.lanes.tab[i] = t;
            crate::mem::wipe(&mut t);
        }
        crate::mem::wipe(&mut basis);
        self.lanes.ready = 1;
    }

    /// Absorbs whole groups of 16 blocks (`data.len()` a multiple of 256) into the streams, leaving them
    /// open: block 16g + s goes to stream s. Call `close` (every other method does) before reading y.
    pub fn update_lanes(&mut self, data: &[u8]) {
        debug_assert!(data.len() % 256 == 0);
        if data.is_empty() {
            return;
        }
        if self.lanes.ready == 0 {
            self.build_tables();
        }
        let mut p = data.as_ptr();
        let end = unsafe { p.add(data.len()) };
        unsafe {
            if self.lanes.open == 0 {
                let mut x = load16(p);
                // Y joins the first block of stream 0.
                let mut y = [0u8; 16];
                y[..8].copy_from_slice(&self.y.0.to_be_bytes());
                y[8..].copy_from_slice(&self.y.1.to_be_bytes());
                x[0] = x[0] ^ V::load(y.as_ptr());
                crate::mem::wipe(&mut y);
                transpose16(&mut x);
                self.lanes.acc = x;
                self.y = (0, 0);
                self.lanes.open = 1;
                p = p.add(256);
            }
            while p < end {
                lanes_step(&self.lanes.tab, &mut self.lanes.acc, p);
                p = p.add(256);
            }
        }
    }

    /// Whether the streams hold data (GCM keeps feeding them across calls while they do).
    pub fn lanes_open(&self) -> bool {
        self.lanes.open != 0
    }

    /// Folds open streams into y: stream s, whose last block was block s of its group, owes H^(16 - s).
    pub fn close(&mut self) {
        if self.lanes.open == 0 {
            return;
        }
        self.lanes.open = 0;
        let mut a = self.lanes.acc;
        transpose16(&mut a);
        let mut buf = [0u8; 256];
        for s in 0..16 {
            unsafe { a[s].store(buf.as_mut_ptr().add(16 * s)) };
        }
        self.lanes.acc = [V::zero(); 16];
        crate::mem::wipe(&mut a);
        // y is 0 here; two 8-block batches give sum_s a_s H^(16-s).
        unsafe {
            self.absorb8(buf.as_ptr());
            self.absorb8(buf.as_ptr().add(128));
        }
        crate::mem::wipe(&mut buf);
    }
}

#[inline(always)]
unsafe fn load16(p: *const u8) -> [V; 16] {
    let mut x = [V::zero(); 16];
    for s in 0..16 {
        x[s] = V::load(p.add(16 * s));
    }
    x
}

/// acc = acc * H^16 ^ transpose(next 16 blocks): one Horner step of every stream.
///
/// Output byte o of a stream is the XOR over its 32 nibbles i of tab[i][o][nibble]; `i8x16.swizzle` does
/// that lookup for all 16 streams at once (512 per 16 blocks). Four output bytes are accumulated per pass
/// over the nibbles: with more, V8 (15 usable xmm registers) spills; with fewer, the nibbles are reloaded
/// more often. The nibble loop is left rolled on purpose: unrolled, LLVM reassociates the XOR chains into
/// one output at a time, with all 32 nibbles live, and V8 then spills on every lookup (measured 20% slower).
#[inline(never)]
unsafe fn lanes_step(tab: &[[V; 16]; 32], acc: &mut [V; 16], p: *const u8) {
    let mut x = load16(p);
    transpose16(&mut x);
    let mask = u8x16_splat(0x0f);
    let mut nib = [V::zero(); 32];
    for j in 0..16 {
        nib[2 * j] = V(v128_and(acc[j].0, mask));
        nib[2 * j + 1] = V(v128_and(u16x8_shr(acc[j].0, 4), mask));
    }
    let t = tab.as_ptr() as *const v128;
    for h in 0..4 {
        let th = t.add(4 * h);
        let (mut z0, mut z1, mut z2, mut z3) = (x[4 * h].0, x[4 * h + 1].0, x[4 * h + 2].0, x[4 * h + 3].0);
        for i in 0..32 {
            let n = nib[i].0;
            z0 = v128_xor(z0, i8x16_swizzle(*th.add(16 * i), n));
            z1 = v128_xor(z1, i8x16_swizzle(*th.add(16 * i + 1), n));
            z2 = v128_xor(z2, i8x16_swizzle(*th.add(16 * i + 2), n));
            z3 = v128_xor(z3, i8x16_swizzle(*th.add(16 * i + 3), n));
        }
        acc[4 * h] = V(z0);
        acc[4 * h + 1] = V(z1);
        acc[4 * h + 2] = V(z2);
        acc[4 * h + 3] = V(z3);
    }
}
