// Host-side fixtures for the hostile-input suite, made once per machine and cached under the OS temp dir:
//   bomb.gz      a 3 MB gzip file holding about 3.1 GB of zeros (built bit by bit, no 3 GB ever exists)
//   lines50m.txt 50 MB of 26-byte lines, for `wc`/`grep -c`/`cat | wc` cancellation probes
//   sort30m.txt  about 30 MB of pseudo-random numbers, one per line, for `sort`
// and, per probe, a disk folder (FIFO, symlink loops, links leading outside) made by `makeDiskRoot`.

import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'

export const FIXTURE_DIR = path.join(os.tmpdir(), 'mirage-hostile-fixtures')

/** Pairs of (length 258, distance 1) in the bomb: 2 bits each, so 12e6 pairs = 3 MB for 3,096,000,001 bytes. */
export const BOMB_PAIRS = 12_000_000
export const BOMB_UNCOMPRESSED = 1 + 258 * BOMB_PAIRS

/** LSB-first bit writer, as deflate packs bits. */
class Bits {
  constructor(capacity) {
    this.buf = Buffer.alloc(capacity)
    this.pos = 0
    this.bit = 0
  }
  /** `n` bits of `value`, least significant first (header fields and extra bits). */
  put(value, n) {
    for (let i = 0; i < n; i++) {
      if ((value >> i) & 1) this.buf[this.pos] |= 1 << this.bit
      if (++this.bit === 8) {
        this.bit = 0
        this.pos++
      }
    }
  }
  /** A Huffman code of `len` bits, most significant first. */
  code(value, len) {
    for (let i = len - 1; i >= 0; i--) this.put((value >> i) & 1, 1)
  }
  bytes() {
    return this.buf.subarray(0, this.pos + (this.bit ? 1 : 0))
  }
}

/**
 * A single-member gzip of BOMB_UNCOMPRESSED zero bytes: a fixed block with one literal 0, then one dynamic block in
 * which symbol 285 (length 258) and the distance code for 1 have 1-bit codes, so every 258 bytes cost 2 bits (the
 * deflate maximum of 1032:1). The body of that block is the byte 0x55 repeated; the CRC-32 is computed over zeros.
 */
export function makeGzipBomb() {
  const w = new Bits(BOMB_PAIRS / 4 + 4096)
  // Block 1: fixed Huffman (BTYPE 01), not final: literal 0 (8-bit code 0x30), end of block (7-bit code 0).
  w.put(0, 1)
  w.put(1, 2)
  w.code(0x30, 8)
  w.code(0, 7)
  // Block 2: dynamic Huffman (BTYPE 10), final.
  w.put(1, 1)
  w.put(2, 2)
  w.put(286 - 257, 5) // HLIT: literal/length codes 0..285
  w.put(2 - 1, 5) // HDIST: distance codes 0..1
  w.put(18 - 4, 4) // HCLEN: 18 code-length code lengths in the fixed order
  const order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
  const clen = new Map([
    [1, 1],
    [18, 1],
  ]) // code-length alphabet: symbol 1 -> code 0, symbol 18 -> code 1 (canonical order)
  for (let i = 0; i < 18; i++) w.put(clen.get(order[i]) ?? 0, 3)
  const ONE = () => w.code(0, 1)
  const ZEROS = (n) => {
    w.code(1, 1)
    w.put(n - 11, 7)
  }
  ZEROS(138) // literals 0..137
  ZEROS(118) // literals 138..255
  ONE() // 256: end of block
  ZEROS(28) // 257..284
  ONE() // 285: length 258
  ONE() // distance code 0 (distance 1)
  ONE() // distance code 1 (unused, keeps the code complete)
  // Literal/length codes: 256 -> 0, 285 -> 1. Distance codes: 0 -> 0, 1 -> 1.
  // The pair stream is the bits 1,0,1,0,... (2 per pair). Write single bits up to a byte boundary, then whole
  // bytes (0x55 when the next bit is a 1, else 0xAA: bits are packed least significant first), then the rest.
  const total = 2 * BOMB_PAIRS
  let i = 0
  const streamBit = (k) => (k % 2 === 0 ? 1 : 0)
  while (w.bit !== 0 && i < total) w.put(streamBit(i++), 1)
  const fullBytes = Math.floor((total - i) / 8)
  w.buf.fill(streamBit(i) === 1 ? 0x55 : 0xaa, w.pos, w.pos + fullBytes)
  w.pos += fullBytes
  i += fullBytes * 8
  while (i < total) w.put(streamBit(i++), 1)
  w.code(0, 1) // end of block
  const deflate = w.bytes()
  let crc = zlib.crc32(Buffer.alloc(1))
  const zeros = Buffer.alloc(16 << 20)
  let left = BOMB_UNCOMPRESSED - 1
  while (left > 0) {
    const n = Math.min(left, zeros.length)
    crc = zlib.crc32(n === zeros.length ? zeros : zeros.subarray(0, n), crc)
    left -= n
  }
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3])
  const trailer = Buffer.alloc(8)
  trailer.writeUInt32LE(crc >>> 0, 0)
  trailer.writeUInt32LE(BOMB_UNCOMPRESSED % 2 ** 32, 4)
  return Buffer.concat([header, deflate, trailer])
}

function cached(name, make) {
  mkdirSync(FIXTURE_DIR, { recursive: true })
  const file = path.join(FIXTURE_DIR, name)
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, make())
    renameSync(tmp, file)
  }
  return file
}

/** Paths of the shared host fixtures (made on first use). */
export function hostFixtures() {
  return {
    bomb: cached('bomb-v1.gz', makeGzipBomb),
    lines50m: cached('lines50m.txt', () => Buffer.alloc(50_000_000 - (50_000_000 % 26), 'abcdefghijklmnopqrstuvwxy\n')),
    sort30m: cached('sort30m.txt', () => {
      let x = 12345
      const parts = []
      for (let i = 0; i < 3_000_000; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0
        parts.push(String(x))
      }
      return parts.join('\n') + '\n'
    }),
  }
}

/**
 * A fresh folder for one DiskResource probe: `f` (a small file), `p` (a FIFO nobody writes), `lp` -> p,
 * `lz` -> /dev/zero and `le` -> /etc/passwd (both outside the root), `a` <-> `b` (a symlink loop), `cyc` -> . (a
 * directory cycle), `sub/g`. Returns its path; remove it with `rmSync(root, { recursive: true })`.
 */
export function makeDiskRoot() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mirage-hostile-disk-'))
  writeFileSync(path.join(root, 'f'), 'hello\nworld\n')
  mkdirSync(path.join(root, 'sub'))
  writeFileSync(path.join(root, 'sub', 'g'), 'x\n')
  const r = spawnSync('mkfifo', [path.join(root, 'p')])
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`)
  symlinkSync('p', path.join(root, 'lp'))
  symlinkSync('/dev/zero', path.join(root, 'lz'))
  symlinkSync('/etc/passwd', path.join(root, 'le'))
  symlinkSync('b', path.join(root, 'a'))
  symlinkSync('a', path.join(root, 'b'))
  symlinkSync('.', path.join(root, 'cyc'))
  return root
}

export function removeDiskRoot(root) {
  rmSync(root, { recursive: true, force: true })
}

/** Size of a file, for sanity checks. */
export function sizeOf(file) {
  return statSync(file).size
}
