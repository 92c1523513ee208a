//! Linear-memory allocator and wiping.
//!
//! The crate has no `alloc`: contexts and I/O buffers come from this small first-fit allocator over the
//! heap that follows the data segment, which grows memory (`memory.grow`) when nothing free fits. Blocks
//! carry a 16-byte header (so payloads are 16-aligned); the free list is kept in address order and adjacent
//! free blocks are merged. Every block is zeroed when freed, so key schedules and buffers never outlive
//! their owner in memory that is later handed out again.

use core::arch::wasm32;
use core::ptr::null_mut;
use core::sync::atomic::{compiler_fence, Ordering};

const PAGE: usize = 65536;
const HDR: usize = 16;
/// Largest single allocation, well below the 4 GiB address space.
pub const MAX_ALLOC: usize = 1 << 30;

#[repr(C)]
struct Block {
    /// Bytes including the header.
    size: usize,
    next: *mut Block,
}

extern "C" {
    static __heap_base: u8;
}

struct Heap {
    free: *mut Block,
    end: usize,
}
static mut HEAP: Heap = Heap { free: null_mut(), end: 0 };

#[allow(static_mut_refs)]
fn heap() -> &'static mut Heap {
    // Single-threaded module: no two references are ever live at once.
    unsafe {
        if HEAP.end == 0 {
            HEAP.end = (core::ptr::addr_of!(__heap_base) as usize + 15) & !15;
        }
        &mut HEAP
    }
}

/// Returns a 16-aligned block of at least `n` bytes, or null when `n` is 0, too large, or memory cannot grow.
pub fn alloc(n: usize) -> *mut u8 {
    if n == 0 || n > MAX_ALLOC {
        return null_mut();
    }
    let need = ((n + 15) & !15) + HDR;
    let h = heap();
    unsafe {
        let mut link: *mut *mut Block = &mut h.free;
        let mut last: *mut Block = null_mut();
        while !(*link).is_null() {
            let b = *link;
            if (*b).size >= need {
                let rest = (*b).size - need;
                if rest >= 2 * HDR {
                    let tail = (b as usize + need) as *mut Block;
                    (*tail).size = rest;
                    (*tail).next = (*b).next;
                    *link = tail;
                    (*b).size = need;
                } else {
                    *link = (*b).next;
                }
                return (b as *mut u8).add(HDR);
            }
            last = b;
            link = &mut (*b).next;
        }
        // Nothing fits: extend the heap, reusing a free block that ends where the heap ends.
        let mut start = h.end;
        if !last.is_null() && last as usize + (*last).size == h.end {
            start = last as usize;
            unlink(h, last);
        }
        let end = start + need;
        let have = wasm32::memory_size(0) * PAGE;
        if end > have {
            let pages = (end - have).div_ceil(PAGE);
            if wasm32::memory_grow(0, pages) == usize::MAX {
                if start != h.end {
                    insert(h, start as *mut Block);
                }
                return null_mut();
            }
        }
        h.end = h.end.max(end);
        let b = start as *mut Block;
        (*b).size = need;
        (b as *mut u8).add(HDR)
    }
}

unsafe fn unlink(h: &mut Heap, target: *mut Block) {
    let mut link: *mut *mut Block = &mut h.free;
    while !(*link).is_null() {
        if *link == target {
            *link = (*target).next;
            return;
        }
        link = &mut (**link).next;
    }
}

/// Inserts a block (header already holding its size) into the address-ordered free list, merging neighbours.
unsafe fn insert(h: &mut Heap, b: *mut Block) {
    let mut prev: *mut Block = null_mut();
    let mut cur = h.free;
    while !cur.is_null() && (cur as usize) < b as usize {
        prev = cur;
        cur = (*cur).next;
    }
    (*b).next = cur;
    if !cur.is_null() && b as usize + (*b).size == cur as usize {
        (*b).size += (*cur).size;
        (*b).next = (*cur).next;
    }
    if prev.is_null() {
        h.free = b;
    } else if prev as usize + (*prev).size == b as usize {
        (*prev).size += (*b).size;
        (*prev).next = (*b).next;
    } else {
        (*prev).next = b;
    }
}

/// Size of the payload of a block returned by `alloc`.
pub unsafe fn block_size(p: *mut u8) -> usize {
    (*(p.sub(HDR) as *mut Block)).size - HDR
}

/// Zeroes and frees a block returned by `alloc`. Null is ignored.
pub unsafe fn free(p: *mut u8) {
    if p.is_null() {
        return;
    }
    wipe_raw(p, block_size(p));
    let h = heap();
    insert(h, p.sub(HDR) as *mut Block);
}

/// Zeroes memory in a way the optimiser may not drop.
pub unsafe fn wipe_raw(p: *mut u8, n: usize) {
    core::ptr::write_bytes(p, 0, n);
    compiler_fence(Ordering::SeqCst);
    // A volatile read after the fill keeps the stores observable.
    if n > 0 {
        core::ptr::read_volatile(p);
    }
}

pub fn wipe<T: Copy>(x: &mut T) {
    unsafe { wipe_raw(x as *mut T as *mut u8, core::mem::size_of::<T>()) }
}
