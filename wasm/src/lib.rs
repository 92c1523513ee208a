//! edgekms crypto core: the primitives WebCrypto lacks or cannot stream, for every JavaScript runtime.
//!
//! - AES-128/256-GCM and SM4-GCM, incremental (any chunking, tag at the end), SP 800-38D;
//! - SM4 (GB/T 32907-2016) ECB and CBC, for interoperability only (no integrity);
//! - SM3 (GB/T 32905-2016) and HMAC-SM3.
//!
//! Constant time: AES and SM4 are bitsliced (bits.rs, aes.rs, sm4.rs), GHASH uses in-register 4-bit
//! tables (`i8x16.swizzle`) over 16 interleaved streams for bulk data and masked integer multiplications
//! otherwise (ghash.rs); no secret-indexed memory access and no secret-dependent branch.
//! See README.md for the details and the ABI.
//!
//! The ABI is plain `extern "C"` functions over linear memory. The caller allocates buffers with
//! `mem_alloc`, and every context (`*_new`) is a block with a 16-byte header {magic, kind}; `ctx_free`
//! zeroes and frees it. Functions return 0 or a pointer on success and a negative error code otherwise.
#![no_std]

mod aes;
mod bits;
mod gcm;
mod ghash;
mod mem;
mod sm3;
mod sm4;

use aes::Aes;
use gcm::Gcm;
use sm3::{HmacSm3, Sm3};
use sm4::Sm4;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// Bumped whenever an export changes meaning; the TypeScript glue checks it.
const ABI_VERSION: u32 = 1;

pub const ERR_HANDLE: i32 = -1;
pub const ERR_KEY: i32 = -2;
pub const ERR_IV: i32 = -3;
// -4 ERR_STATE, -5 ERR_TOO_LONG, -7 ERR_AUTH, -9 ERR_TAG: see gcm.rs
pub const ERR_LENGTH: i32 = -6;
pub const ERR_NOMEM: i32 = -8;
pub const ERR_ARG: i32 = -10;

const MAGIC: u32 = 0x454b_4d53; // "EKMS"
const KIND_GCM_AES: u32 = 1;
const KIND_GCM_SM4: u32 = 2;
const KIND_SM4: u32 = 3;
const KIND_SM3: u32 = 4;
const KIND_HMAC_SM3: u32 = 5;

#[repr(C, align(16))]
struct Ctx<T> {
    magic: u32,
    kind: u32,
    _pad: [u32; 2],
    body: T,
}

/// Allocates a zeroed context (all-zero is a valid value of every body type here).
fn new_ctx<T>(kind: u32) -> Option<&'static mut Ctx<T>> {
    let size = core::mem::size_of::<Ctx<T>>();
    let p = mem::alloc(size);
    if p.is_null() {
        return None;
    }
    unsafe {
        core::ptr::write_bytes(p, 0, size);
        let c = &mut *(p as *mut Ctx<T>);
        c.magic = MAGIC;
        c.kind = kind;
        Some(c)
    }
}

fn get_ctx<T>(p: usize, kind: u32) -> Option<&'static mut Ctx<T>> {
    if p == 0 || p % 16 != 0 {
        return None;
    }
    let end = p.checked_add(core::mem::size_of::<Ctx<T>>())?;
    if end > core::arch::wasm32::memory_size(0) * 65536 {
        return None;
    }
    let c = unsafe { &mut *(p as *mut Ctx<T>) };
    if c.magic != MAGIC || c.kind != kind {
        return None;
    }
    Some(c)
}

fn ptr_of(c: &mut Ctx<impl Sized>) -> i32 {
    c as *mut _ as usize as i32
}

unsafe fn slice<'a>(p: usize, n: usize) -> &'a [u8] {
    if n == 0 {
        &[]
    } else {
        core::slice::from_raw_parts(p as *const u8, n)
    }
}

unsafe fn slice_mut<'a>(p: usize, n: usize) -> &'a mut [u8] {
    if n == 0 {
        &mut []
    } else {
        core::slice::from_raw_parts_mut(p as *mut u8, n)
    }
}

#[no_mangle]
pub extern "C" fn abi_version() -> u32 {
    ABI_VERSION
}

/// Returns a 16-aligned buffer of `n` bytes, or 0.
#[no_mangle]
pub extern "C" fn mem_alloc(n: usize) -> usize {
    mem::alloc(n) as usize
}

/// Zeroes and frees a buffer from `mem_alloc`.
#[no_mangle]
pub unsafe extern "C" fn mem_free(p: usize) {
    mem::free(p as *mut u8)
}

/// Zeroes and frees any context. Returns ERR_HANDLE if `p` is not a live context.
#[no_mangle]
pub unsafe extern "C" fn ctx_free(p: usize) -> i32 {
    if p == 0 || p % 16 != 0 || p + 16 > core::arch::wasm32::memory_size(0) * 65536 {
        return ERR_HANDLE;
    }
    let hdr = &*(p as *const Ctx<()>);
    if hdr.magic != MAGIC || !(KIND_GCM_AES..=KIND_HMAC_SM3).contains(&hdr.kind) {
        return ERR_HANDLE;
    }
    mem::free(p as *mut u8);
    0
}

// ---- GCM ----

/// New GCM context. `alg`: 1 = AES (16- or 32-byte key), 2 = SM4 (16-byte key). `iv_len` 1..=1024
/// (12 is the recommended size). `decrypt` 0 or 1.
#[no_mangle]
pub unsafe extern "C" fn gcm_new(alg: u32, key: usize, key_len: usize, iv: usize, iv_len: usize, decrypt: u32) -> i32 {
    if iv_len == 0 || iv_len > 1024 {
        return ERR_IV;
    }
    if decrypt > 1 {
        return ERR_ARG;
    }
    let k = slice(key, key_len);
    let iv = slice(iv, iv_len);
    match alg {
        1 => {
            if key_len != 16 && key_len != 32 {
                return ERR_KEY;
            }
            let Some(c) = new_ctx::<Gcm<Aes>>(KIND_GCM_AES) else { return ERR_NOMEM };
            c.body.cipher.init(k);
            c.body.init(iv, decrypt == 1);
            ptr_of(c)
        }
        2 => {
            if key_len != 16 {
                return ERR_KEY;
            }
            let Some(c) = new_ctx::<Gcm<Sm4>>(KIND_GCM_SM4) else { return ERR_NOMEM };
            c.body.cipher.init(k, false);
            c.body.init(iv, decrypt == 1);
            ptr_of(c)
        }
        _ => ERR_ARG,
    }
}

/// Runs `f` on the GCM context at `p`, whichever cipher it uses.
unsafe fn with_gcm(p: usize, f_aes: impl FnOnce(&mut Gcm<Aes>) -> i32, f_sm4: impl FnOnce(&mut Gcm<Sm4>) -> i32) -> i32 {
    if let Some(c) = get_ctx::<Gcm<Aes>>(p, KIND_GCM_AES) {
        return f_aes(&mut c.body);
    }
    if let Some(c) = get_ctx::<Gcm<Sm4>>(p, KIND_GCM_SM4) {
        return f_sm4(&mut c.body);
    }
    ERR_HANDLE
}

#[no_mangle]
pub unsafe extern "C" fn gcm_aad(ctx: usize, p: usize, n: usize) -> i32 {
    let d = slice(p, n);
    with_gcm(ctx, |g| g.aad(d), |g| g.aad(d))
}

/// Encrypts or decrypts `n` bytes at `p` in place.
#[no_mangle]
pub unsafe extern "C" fn gcm_update(ctx: usize, p: usize, n: usize) -> i32 {
    with_gcm(ctx, |g| g.update(slice_mut(p, n)), |g| g.update(slice_mut(p, n)))
}

/// Finishes an encryption and writes the 16-byte tag at `out`.
#[no_mangle]
pub unsafe extern "C" fn gcm_tag(ctx: usize, out: usize) -> i32 {
    with_gcm(ctx, |g| g.tag(&mut *(out as *mut [u8; 16])), |g| g.tag(&mut *(out as *mut [u8; 16])))
}

/// Finishes a decryption: 0 if the `n`-byte tag (12..=16) at `p` matches, ERR_AUTH if not.
#[no_mangle]
pub unsafe extern "C" fn gcm_verify(ctx: usize, p: usize, n: usize) -> i32 {
    let t = slice(p, n);
    with_gcm(ctx, |g| g.verify(t), |g| g.verify(t))
}

// ---- SM4 ECB / CBC ----

#[repr(C)]
struct Sm4Ctx {
    sm4: Sm4,
    tmp: [u8; sm4::BATCH_BYTES],
}

/// New SM4 key schedule (both directions) for ECB/CBC.
#[no_mangle]
pub unsafe extern "C" fn sm4_new(key: usize, key_len: usize) -> i32 {
    if key_len != 16 {
        return ERR_KEY;
    }
    let Some(c) = new_ctx::<Sm4Ctx>(KIND_SM4) else { return ERR_NOMEM };
    c.body.sm4.init(slice(key, key_len), true);
    ptr_of(c)
}

/// ECB over `n` bytes (a multiple of 16) at `p`, in place.
#[no_mangle]
pub unsafe extern "C" fn sm4_ecb(ctx: usize, p: usize, n: usize, decrypt: u32) -> i32 {
    let Some(c) = get_ctx::<Sm4Ctx>(ctx, KIND_SM4) else { return ERR_HANDLE };
    if n % 16 != 0 {
        return ERR_LENGTH;
    }
    let c = &mut c.body;
    let data = slice_mut(p, n);
    for chunk in data.chunks_mut(sm4::BATCH_BYTES) {
        c.tmp[..chunk.len()].copy_from_slice(chunk);
        c.sm4.crypt32(&mut c.tmp, decrypt != 0);
        chunk.copy_from_slice(&c.tmp[..chunk.len()]);
    }
    c.tmp = [0; sm4::BATCH_BYTES];
    0
}

/// CBC over `n` bytes (a multiple of 16) at `p`, in place. The 16 bytes at `iv` are the chaining value:
/// read as the IV and replaced by the last ciphertext block, so a message can be processed in pieces.
#[no_mangle]
pub unsafe extern "C" fn sm4_cbc(ctx: usize, iv: usize, p: usize, n: usize, decrypt: u32) -> i32 {
    let Some(c) = get_ctx::<Sm4Ctx>(ctx, KIND_SM4) else { return ERR_HANDLE };
    if n % 16 != 0 {
        return ERR_LENGTH;
    }
    let c = &mut c.body;
    let iv = &mut *(iv as *mut [u8; 16]);
    let data = slice_mut(p, n);
    if decrypt == 0 {
        // Serial: each block needs the previous ciphertext.
        for block in data.chunks_exact_mut(16) {
            for i in 0..16 {
                c.tmp[i] = block[i] ^ iv[i];
            }
            c.sm4.crypt32(&mut c.tmp, false);
            block.copy_from_slice(&c.tmp[..16]);
            iv.copy_from_slice(block);
        }
    } else {
        for chunk in data.chunks_mut(sm4::BATCH_BYTES) {
            let len = chunk.len();
            c.tmp[..len].copy_from_slice(chunk);
            c.sm4.crypt32(&mut c.tmp, true);
            let mut next_iv = [0u8; 16];
            next_iv.copy_from_slice(&chunk[len - 16..]);
            // Last block first, so that each previous ciphertext block is still in place when needed.
            for b in (0..len / 16).rev() {
                for i in 0..16 {
                    let prev = if b == 0 { iv[i] } else { chunk[16 * (b - 1) + i] };
                    chunk[16 * b + i] = c.tmp[16 * b + i] ^ prev;
                }
            }
            *iv = next_iv;
        }
    }
    c.tmp = [0; sm4::BATCH_BYTES];
    0
}

// ---- SM3 / HMAC-SM3 ----

#[no_mangle]
pub extern "C" fn sm3_new() -> i32 {
    let Some(c) = new_ctx::<Sm3>(KIND_SM3) else { return ERR_NOMEM };
    c.body.init();
    ptr_of(c)
}

#[no_mangle]
pub unsafe extern "C" fn sm3_update(ctx: usize, p: usize, n: usize) -> i32 {
    let Some(c) = get_ctx::<Sm3>(ctx, KIND_SM3) else { return ERR_HANDLE };
    if c.body.update(slice(p, n)) {
        0
    } else {
        gcm::ERR_TOO_LONG
    }
}

/// Writes the 32-byte digest at `out` and resets the context for a new message.
#[no_mangle]
pub unsafe extern "C" fn sm3_final(ctx: usize, out: usize) -> i32 {
    let Some(c) = get_ctx::<Sm3>(ctx, KIND_SM3) else { return ERR_HANDLE };
    c.body.finish(&mut *(out as *mut [u8; 32]));
    c.body.init();
    0
}

#[no_mangle]
pub unsafe extern "C" fn hmac_sm3_new(key: usize, key_len: usize) -> i32 {
    let Some(c) = new_ctx::<HmacSm3>(KIND_HMAC_SM3) else { return ERR_NOMEM };
    c.body.init(slice(key, key_len));
    ptr_of(c)
}

#[no_mangle]
pub unsafe extern "C" fn hmac_sm3_update(ctx: usize, p: usize, n: usize) -> i32 {
    let Some(c) = get_ctx::<HmacSm3>(ctx, KIND_HMAC_SM3) else { return ERR_HANDLE };
    if c.body.update(slice(p, n)) {
        0
    } else {
        gcm::ERR_TOO_LONG
    }
}

/// Writes the 32-byte MAC at `out` and resets the context for a new message under the same key.
#[no_mangle]
pub unsafe extern "C" fn hmac_sm3_final(ctx: usize, out: usize) -> i32 {
    let Some(c) = get_ctx::<HmacSm3>(ctx, KIND_HMAC_SM3) else { return ERR_HANDLE };
    c.body.finish(&mut *(out as *mut [u8; 32]));
    0
}
