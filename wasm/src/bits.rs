//! Bit-plane types for bitsliced code, and the shared S-box circuit.
//!
//! A "plane" holds one bit position of many bytes at once: plane k of a bitsliced state has, in each of its
//! bit positions, bit k of one byte. Boolean operations on planes then evaluate a circuit on every byte in
//! parallel with no data-dependent memory access or branch: this is how the AES and SM4 S-boxes are
//! computed here, instead of with a table indexed by secret bytes.
//!
//! `aes_sbox_core` is the 113-gate AES S-box circuit of Boyar, Matthews and Peralta ("A very compact
//! S-box for AES", 2011/2013; also in Boyar-Peralta, "A small depth-16 circuit for the AES S-box", IFIP SEC
//! 2012), without its final four XNORs: it returns S(x) ^ 0x63. The callers fold the 0x63 into round keys
//! (AES) or into the surrounding linear layers (SM4), so no NOT is spent per round.

use core::arch::wasm32::*;
use core::ops::{BitAnd, BitOr, BitXor, Not};

/// Anything the S-box circuit can run on: a u32 (key schedules, one word at a time) or a v128 (bulk).
pub trait Bits: Copy + BitXor<Output = Self> + BitAnd<Output = Self> {}
impl Bits for u32 {}
impl Bits for V {}

/// A v128 with the bitwise operators, so that circuits read like the papers they come from.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub struct V(pub v128);

impl BitXor for V {
    type Output = V;
    #[inline(always)]
    fn bitxor(self, r: V) -> V {
        V(v128_xor(self.0, r.0))
    }
}
impl BitAnd for V {
    type Output = V;
    #[inline(always)]
    fn bitand(self, r: V) -> V {
        V(v128_and(self.0, r.0))
    }
}
impl BitOr for V {
    type Output = V;
    #[inline(always)]
    fn bitor(self, r: V) -> V {
        V(v128_or(self.0, r.0))
    }
}
impl Not for V {
    type Output = V;
    #[inline(always)]
    fn not(self) -> V {
        V(v128_not(self.0))
    }
}

impl V {
    #[inline(always)]
    pub fn zero() -> V {
        V(u64x2_splat(0))
    }
    #[inline(always)]
    pub fn splat8(b: u8) -> V {
        V(u8x16_splat(b))
    }
    /// Unaligned load of 16 bytes.
    #[inline(always)]
    pub unsafe fn load(p: *const u8) -> V {
        V(v128_load(p as *const v128))
    }
    #[inline(always)]
    pub unsafe fn store(self, p: *mut u8) {
        v128_store(p as *mut v128, self.0)
    }
    #[inline(always)]
    pub fn shr64<const N: u32>(self) -> V {
        V(u64x2_shr(self.0, N))
    }
    #[inline(always)]
    pub fn shl64<const N: u32>(self) -> V {
        V(u64x2_shl(self.0, N))
    }
}

/// Byte permutation of one register by a constant pattern (compiles to one `i8x16.shuffle`).
macro_rules! shuffle {
    ($a:expr, $p:expr) => {{
        const P: [usize; 16] = $p;
        $crate::bits::V(core::arch::wasm32::i8x16_shuffle::<
            { P[0] }, { P[1] }, { P[2] }, { P[3] }, { P[4] }, { P[5] }, { P[6] }, { P[7] },
            { P[8] }, { P[9] }, { P[10] }, { P[11] }, { P[12] }, { P[13] }, { P[14] }, { P[15] },
        >($a.0, $a.0))
    }};
}
pub(crate) use shuffle;

/// Exchanges bits so that the 8x8 bit matrix formed, in every byte position, by the 8 registers (rows)
/// and the 8 bits of a byte (columns) is transposed. It is its own inverse. After it, register k holds
/// bit k of the corresponding byte of each input register i, at bit i.
#[inline(always)]
pub fn transpose8(r: &mut [V; 8]) {
    #[inline(always)]
    fn swapmove<const N: u32>(a: &mut V, b: &mut V, mask: u8) {
        let t = (a.shr64::<N>() ^ *b) & V::splat8(mask);
        *b = *b ^ t;
        *a = *a ^ t.shl64::<N>();
    }
    for i in [0, 2, 4, 6] {
        let (x, y) = r.split_at_mut(i + 1);
        swapmove::<1>(&mut x[i], &mut y[0], 0x55);
    }
    for i in [0, 1, 4, 5] {
        let (x, y) = r.split_at_mut(i + 2);
        swapmove::<2>(&mut x[i], &mut y[0], 0x33);
    }
    for i in [0, 1, 2, 3] {
        let (x, y) = r.split_at_mut(i + 4);
        swapmove::<4>(&mut x[i], &mut y[0], 0x0f);
    }
}

/// Transposes a 16x16 byte matrix held in 16 registers (register r, lane l) -> (register l, lane r).
/// Four rounds of byte interleaves (`punpck[lh]bw`); each rotates the 8-bit (register, lane) index left
/// by one bit, so four rounds swap its halves.
#[inline(always)]
pub fn transpose16(r: &mut [V; 16]) {
    #[inline(always)]
    fn round(r: &[V; 16]) -> [V; 16] {
        let lo = |a: V, b: V| V(i8x16_shuffle::<0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23>(a.0, b.0));
        let hi = |a: V, b: V| V(i8x16_shuffle::<8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31>(a.0, b.0));
        [
            lo(r[0], r[8]), hi(r[0], r[8]), lo(r[1], r[9]), hi(r[1], r[9]),
            lo(r[2], r[10]), hi(r[2], r[10]), lo(r[3], r[11]), hi(r[3], r[11]),
            lo(r[4], r[12]), hi(r[4], r[12]), lo(r[5], r[13]), hi(r[5], r[13]),
            lo(r[6], r[14]), hi(r[6], r[14]), lo(r[7], r[15]), hi(r[7], r[15]),
        ]
    }
    *r = round(&round(&round(&round(r))));
}

/// The AES S-box minus its constant: returns planes of A * x^-1 (A = the AES affine matrix), given planes of
/// x. `x[k]` is bit k (0 = least significant). Gate list: Boyar-Matthews-Peralta, 32 AND + 81 XOR
/// (the four XNORs of the original are plain XORs here; their NOTs are the 0x63).
#[inline(always)]
pub fn aes_sbox_core<T: Bits>(x: &[T; 8]) -> [T; 8] {
    // The circuit numbers bits from the most significant one.
    let (u0, u1, u2, u3, u4, u5, u6, u7) = (x[7], x[6], x[5], x[4], x[3], x[2], x[1], x[0]);

    // Top linear layer: 8 inputs to 22 signals.
    let y14 = u3 ^ u5;
    let y13 = u0 ^ u6;
    let y9 = u0 ^ u3;
    let y8 = u0 ^ u5;
    let t0 = u1 ^ u2;
    let y1 = t0 ^ u7;
    let y4 = y1 ^ u3;
    let y12 = y13 ^ y14;
    let y2 = y1 ^ u0;
    let y5 = y1 ^ u6;
    let y3 = y5 ^ y8;
    let t1 = u4 ^ y12;
    let y15 = t1 ^ u5;
    let y20 = t1 ^ u1;
    let y6 = y15 ^ u7;
    let y10 = y15 ^ t0;
    let y11 = y20 ^ y9;
    let y7 = u7 ^ y11;
    let y17 = y10 ^ y11;
    let y19 = y10 ^ y8;
    let y16 = t0 ^ y11;
    let y21 = y13 ^ y16;
    let y18 = u0 ^ y16;

    // Nonlinear middle: inversion in GF(2^4)^2.
    let t2 = y12 & y15;
    let t3 = y3 & y6;
    let t4 = t3 ^ t2;
    let t5 = y4 & u7;
    let t6 = t5 ^ t2;
    let t7 = y13 & y16;
    let t8 = y5 & y1;
    let t9 = t8 ^ t7;
    let t10 = y2 & y7;
    let t11 = t10 ^ t7;
    let t12 = y9 & y11;
    let t13 = y14 & y17;
    let t14 = t13 ^ t12;
    let t15 = y8 & y10;
    let t16 = t15 ^ t12;
    let t17 = t4 ^ y20;
    let t18 = t6 ^ t16;
    let t19 = t9 ^ t14;
    let t20 = t11 ^ t16;
    let t21 = t17 ^ t14;
    let t22 = t18 ^ y19;
    let t23 = t19 ^ y21;
    let t24 = t20 ^ y18;
    let t25 = t21 ^ t22;
    let t26 = t21 & t23;
    let t27 = t24 ^ t26;
    let t28 = t25 & t27;
    let t29 = t28 ^ t22;
    let t30 = t23 ^ t24;
    let t31 = t22 ^ t26;
    let t32 = t31 & t30;
    let t33 = t32 ^ t24;
    let t34 = t23 ^ t33;
    let t35 = t27 ^ t33;
    let t36 = t24 & t35;
    let t37 = t36 ^ t34;
    let t38 = t27 ^ t36;
    let t39 = t29 & t38;
    let t40 = t25 ^ t39;
    let t41 = t40 ^ t37;
    let t42 = t29 ^ t33;
    let t43 = t29 ^ t40;
    let t44 = t33 ^ t37;
    let t45 = t42 ^ t41;
    let z0 = t44 & y15;
    let z1 = t37 & y6;
    let z2 = t33 & u7;
    let z3 = t43 & y16;
    let z4 = t40 & y1;
    let z5 = t29 & y7;
    let z6 = t42 & y11;
    let z7 = t45 & y17;
    let z8 = t41 & y10;
    let z9 = t44 & y12;
    let z10 = t37 & y3;
    let z11 = t33 & y4;
    let z12 = t43 & y13;
    let z13 = t40 & y5;
    let z14 = t29 & y2;
    let z15 = t42 & y9;
    let z16 = t45 & y14;
    let z17 = t41 & y8;

    // Bottom linear layer: 18 products to 8 output bits (the affine matrix included, its constant not).
    let tc1 = z15 ^ z16;
    let tc2 = z10 ^ tc1;
    let tc3 = z9 ^ tc2;
    let tc4 = z0 ^ z2;
    let tc5 = z1 ^ z0;
    let tc6 = z3 ^ z4;
    let tc7 = z12 ^ tc4;
    let tc8 = z7 ^ tc6;
    let tc9 = z8 ^ tc7;
    let tc10 = tc8 ^ tc9;
    let tc11 = tc6 ^ tc5;
    let tc12 = z3 ^ z5;
    let tc13 = z13 ^ tc1;
    let tc14 = tc4 ^ tc12;
    let s3 = tc3 ^ tc11;
    let tc16 = z6 ^ tc8;
    let tc17 = z14 ^ tc10;
    let tc18 = tc13 ^ tc14;
    let s7 = z12 ^ tc18; // XNOR in the S-box proper
    let tc20 = z15 ^ tc16;
    let tc21 = tc2 ^ z11;
    let s0 = tc3 ^ tc16;
    let s6 = tc10 ^ tc18; // XNOR
    let s4 = tc14 ^ s3;
    let s1 = s3 ^ tc16; // XNOR
    let tc26 = tc17 ^ tc20;
    let s2 = tc26 ^ z17; // XNOR
    let s5 = tc21 ^ tc17;
    [s7, s6, s5, s4, s3, s2, s1, s0]
}

/// Applies an 8-bit-to-8-bit S-box circuit to each byte of a u32 without indexing memory by the word.
#[inline(always)]
pub fn sbox_word(w: u32, f: impl Fn(&[u32; 8]) -> [u32; 8]) -> u32 {
    let mut planes = [0u32; 8];
    for (k, p) in planes.iter_mut().enumerate() {
        for j in 0..4 {
            *p |= ((w >> (8 * j + k)) & 1) << j;
        }
    }
    let out = f(&planes);
    let mut r = 0u32;
    for (k, p) in out.iter().enumerate() {
        for j in 0..4 {
            r |= ((p >> j) & 1) << (8 * j + k);
        }
    }
    r
}
