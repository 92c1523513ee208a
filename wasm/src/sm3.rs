//! SM3 (GB/T 32905-2016) and HMAC-SM3 (RFC 2104 with SM3: 64-byte block, 32-byte output).
//!
//! SM3 has no key and no data-dependent branch or lookup; it is constant time as written. Message length is
//! limited to 2^64 - 1 bits by the padding; longer input is refused, not wrapped.

const IV: [u32; 8] = [
    0x7380_166f, 0x4914_b2b9, 0x1724_42d7, 0xda8a_0600, 0xa96f_30bc, 0x1631_38aa, 0xe38d_ee4d, 0xb0fb_0e4e,
];

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Sm3 {
    v: [u32; 8],
    buf: [u8; 64],
    buf_len: usize,
    /// Bytes absorbed so far.
    total: u64,
}

/// Largest message in bytes (the length field counts bits in 64 bits).
const MAX_BYTES: u64 = (1 << 61) - 1;

#[inline(always)]
fn p0(x: u32) -> u32 {
    x ^ x.rotate_left(9) ^ x.rotate_left(17)
}
#[inline(always)]
fn p1(x: u32) -> u32 {
    x ^ x.rotate_left(15) ^ x.rotate_left(23)
}

fn compress(v: &mut [u32; 8], block: &[u8]) {
    let mut w = [0u32; 68];
    for j in 0..16 {
        w[j] = u32::from_be_bytes(block[4 * j..4 * j + 4].try_into().unwrap());
    }
    for j in 16..68 {
        w[j] = p1(w[j - 16] ^ w[j - 9] ^ w[j - 3].rotate_left(15)) ^ w[j - 13].rotate_left(7) ^ w[j - 6];
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *v;
    for j in 0..64 {
        let t: u32 = if j < 16 { 0x79cc_4519 } else { 0x7a87_9d8a };
        let ss1 = a.rotate_left(12).wrapping_add(e).wrapping_add(t.rotate_left((j % 32) as u32)).rotate_left(7);
        let ss2 = ss1 ^ a.rotate_left(12);
        let (ff, gg) = if j < 16 { (a ^ b ^ c, e ^ f ^ g) } else { ((a & b) | (a & c) | (b & c), (e & f) | (!e & g)) };
        let tt1 = ff.wrapping_add(d).wrapping_add(ss2).wrapping_add(w[j] ^ w[j + 4]);
        let tt2 = gg.wrapping_add(h).wrapping_add(ss1).wrapping_add(w[j]);
        d = c;
        c = b.rotate_left(9);
        b = a;
        a = tt1;
        h = g;
        g = f.rotate_left(19);
        f = e;
        e = p0(tt2);
    }
    for (x, y) in v.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *x ^= y;
    }
    crate::mem::wipe(&mut w);
}

impl Sm3 {
    pub fn init(&mut self) {
        self.v = IV;
        self.buf = [0; 64];
        self.buf_len = 0;
        self.total = 0;
    }

    /// Absorbs `data`; false if the total would exceed the length SM3 can encode.
    pub fn update(&mut self, mut data: &[u8]) -> bool {
        if data.len() as u64 > MAX_BYTES - self.total {
            return false;
        }
        self.total += data.len() as u64;
        if self.buf_len > 0 {
            let n = (64 - self.buf_len).min(data.len());
            self.buf[self.buf_len..self.buf_len + n].copy_from_slice(&data[..n]);
            self.buf_len += n;
            data = &data[n..];
            if self.buf_len < 64 {
                return true;
            }
            let buf = self.buf;
            compress(&mut self.v, &buf);
            self.buf_len = 0;
        }
        while data.len() >= 64 {
            compress(&mut self.v, &data[..64]);
            data = &data[64..];
        }
        self.buf[..data.len()].copy_from_slice(data);
        self.buf_len = data.len();
        true
    }

    pub fn finish(&mut self, out: &mut [u8; 32]) {
        let bits = self.total * 8;
        let mut pad = [0u8; 72];
        pad[0] = 0x80;
        // pad to 56 mod 64, then the 64-bit length
        let zeros = (55usize.wrapping_sub(self.buf_len)) % 64;
        pad[1 + zeros..9 + zeros].copy_from_slice(&bits.to_be_bytes());
        let n = 9 + zeros;
        let total = self.total;
        self.update(&pad[..n]);
        self.total = total;
        debug_assert!(self.buf_len == 0);
        for (i, x) in self.v.iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&x.to_be_bytes());
        }
    }
}

#[repr(C)]
pub struct HmacSm3 {
    inner: Sm3,
    /// Key XOR ipad and key XOR opad, kept so that the context can MAC message after message.
    ikey: [u8; 64],
    okey: [u8; 64],
}

impl HmacSm3 {
    pub fn init(&mut self, key: &[u8]) {
        let mut k = [0u8; 64];
        if key.len() > 64 {
            let mut h = Sm3 { v: [0; 8], buf: [0; 64], buf_len: 0, total: 0 };
            h.init();
            h.update(key);
            let mut d = [0u8; 32];
            h.finish(&mut d);
            k[..32].copy_from_slice(&d);
            crate::mem::wipe(&mut d);
            crate::mem::wipe(&mut h);
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        for i in 0..64 {
            self.ikey[i] = k[i] ^ 0x36;
            self.okey[i] = k[i] ^ 0x5c;
        }
        crate::mem::wipe(&mut k);
        self.restart();
    }

    fn restart(&mut self) {
        self.inner.init();
        let ikey = self.ikey;
        self.inner.update(&ikey);
    }

    pub fn update(&mut self, data: &[u8]) -> bool {
        self.inner.update(data)
    }

    pub fn finish(&mut self, out: &mut [u8; 32]) {
        let mut d = [0u8; 32];
        self.inner.finish(&mut d);
        self.inner.init();
        self.inner.update(&self.okey.clone());
        self.inner.update(&d);
        self.inner.finish(out);
        crate::mem::wipe(&mut d);
        self.restart();
    }
}
