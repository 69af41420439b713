// Release builds made with zig (scripts/build-zig.sh, scripts/build-glibc217.sh), checked when they exist:
//
// - the published linux-x64-gnu binary (target/glibc217/, or $MIRAGE_COMPAT_BINARY in the release workflow): its
//   highest GLIBC_ symbol version is 2.17, it loads in this Node and passes the Node tests (loaded through napi's
//   NAPI_RS_NATIVE_LIBRARY_PATH override instead of the checkout's own build);
// - cross builds in target/zig/<target>/ (linux-x64-musl, linux-arm64-gnu, ...): each is a shared object for the
//   right CPU, linked against the right C library (and glibc 2.17 for the gnu ones).
//
// scripts/test.sh builds target/glibc217/ before the Node tests (MIRAGE_SKIP_COMPAT=1 skips that); the cross builds
// are made by hand (`bash scripts/build-zig.sh aarch64-unknown-linux-gnu.2.17`) or by the release workflow.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, openSync, readSync, closeSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { haveS3sFs } from './helpers/s3server.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const COMPAT = process.env.MIRAGE_COMPAT_BINARY || path.join(ROOT, 'target', 'glibc217', 'mirage-native.linux-x64-gnu.node')
const onLinuxX64Glibc = process.platform === 'linux' && process.arch === 'x64' && Boolean(process.report?.getReport().header.glibcVersionRuntime)

const EM = { 62: 'x86-64', 183: 'aarch64' }

/** The ELF header fields that matter here, read from the file's first 64 bytes. */
function elfHeader(file) {
  const buf = Buffer.alloc(64)
  const fd = openSync(file, 'r')
  try {
    readSync(fd, buf, 0, 64, 0)
  } finally {
    closeSync(fd)
  }
  assert.equal(buf.subarray(0, 4).toString('latin1'), '\x7fELF', `${file} is not an ELF file`)
  const le = buf[5] === 1
  return {
    class: buf[4] === 2 ? 64 : 32,
    littleEndian: le,
    type: le ? buf.readUInt16LE(16) : buf.readUInt16BE(16), // 3 = ET_DYN (shared object)
    machine: EM[le ? buf.readUInt16LE(18) : buf.readUInt16BE(18)] ?? 'other',
  }
}

function tool(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 })
  return r.error || r.status !== 0 ? null : r.stdout
}

/** Versions of the GLIBC_x.y symbol versions the binary needs, highest last (objdump -T, else readelf -V). */
function glibcVersions(file) {
  const out = tool('objdump', ['-T', file]) ?? tool('readelf', ['-V', '-W', file])
  assert.ok(out !== null, 'neither objdump nor readelf is available (apt-get install binutils)')
  const versions = [...new Set(out.match(/GLIBC_\d+(?:\.\d+)*/g) ?? [])].map((v) => v.slice('GLIBC_'.length))
  const key = (v) => v.split('.').map(Number)
  return versions.sort((a, b) => {
    const [x, y] = [key(a), key(b)]
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0)
    return 0
  })
}

/** DT_NEEDED entries (readelf -d). */
function needed(file) {
  const out = tool('readelf', ['-d', '-W', file])
  assert.ok(out !== null, 'readelf is not available (apt-get install binutils)')
  return [...out.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1])
}

function fileDescription(file) {
  return tool('file', ['-b', file])?.trim() ?? null
}

describe('the glibc 2.17 linux-x64-gnu release build', { skip: existsSync(COMPAT) ? false : `${path.relative(ROOT, COMPAT)} not built (npm run build:compat)` }, () => {
  it('is an x86-64 shared object whose highest GLIBC_ symbol version is 2.17', (t) => {
    assert.deepEqual(elfHeader(COMPAT), { class: 64, littleEndian: true, type: 3, machine: 'x86-64' })
    const versions = glibcVersions(COMPAT)
    assert.ok(versions.length > 0, 'no GLIBC_ symbol versions found: not a glibc build?')
    assert.equal(versions.at(-1), '2.17', `GLIBC_ versions needed: ${versions.join(', ')}`)
    assert.ok(needed(COMPAT).includes('libc.so.6'))
    const desc = fileDescription(COMPAT)
    if (desc) assert.match(desc, /^ELF 64-bit LSB shared object, x86-64/)
    t.diagnostic(`${path.relative(ROOT, COMPAT)}: GLIBC_ ${versions.join(' ')}; ${desc ?? ''}`)
  })

  it('loads in this Node through NAPI_RS_NATIVE_LIBRARY_PATH and runs `echo hi`', { skip: !onLinuxX64Glibc && 'not linux x64 glibc' }, () => {
    const code = `
      const b = require('./index.js')
      const loaded = require('fs').readFileSync('/proc/self/maps', 'utf8').includes(process.env.NAPI_RS_NATIVE_LIBRARY_PATH)
      const ws = new b.Workspace({ '/tmp/': new b.RAMResource() })
      ws.execute('echo hi').then((r) => { process.stdout.write(JSON.stringify({ loaded, out: r.stdoutText, code: r.exitCode })) })`
    const r = spawnSync(process.execPath, ['-e', code], {
      cwd: ROOT,
      env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: path.resolve(COMPAT) },
      encoding: 'utf8',
      timeout: 30_000,
    })
    assert.equal(r.status, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout), { loaded: true, out: 'hi\n', code: 0 })
  })

  it('passes the foundation, CLI and smoke Node tests', { skip: !onLinuxX64Glibc ? 'not linux x64 glibc' : !haveS3sFs() && 's3s-fs not found', timeout: 300_000 }, (t) => {
    const files = ['foundation.test.mjs', 'cli.test.mjs', 'smoke.test.mjs'].map((f) => path.join('__test__', f))
    // A fresh test run, not a child of this one (NODE_TEST_CONTEXT would make it report to this runner instead).
    const env = { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: path.resolve(COMPAT) }
    delete env.NODE_TEST_CONTEXT
    const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 280_000,
    })
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`)
    const summary = (k) => Number(new RegExp(`^\\S* ?${k} (\\d+)$`, 'm').exec(r.stdout)?.[1])
    assert.ok(summary('pass') > 100, `too few tests ran:\n${r.stdout.slice(-2000)}`)
    assert.equal(summary('fail'), 0)
    t.diagnostic(`${summary('pass')} tests passed with the glibc 2.17 binary`)
  })
})

// Cross builds: target/zig/<rust target>/mirage-native.<platform>.node
const CROSS = {
  'x86_64-unknown-linux-musl': { machine: 'x86-64', libc: 'musl' },
  'aarch64-unknown-linux-musl': { machine: 'aarch64', libc: 'musl' },
  'aarch64-unknown-linux-gnu.2.17': { machine: 'aarch64', libc: 'glibc' },
  'x86_64-unknown-linux-gnu.2.17': { machine: 'x86-64', libc: 'glibc' },
}
const zigDir = path.join(ROOT, 'target', 'zig')
// Only finished builds (a folder without a .node is a build in progress or one that failed).
const built = existsSync(zigDir)
  ? readdirSync(zigDir).filter((t) => CROSS[t] && readdirSync(path.join(zigDir, t)).some((f) => f.endsWith('.node')))
  : []

describe('cross builds in target/zig/', { skip: built.length ? false : 'none built (bash scripts/build-zig.sh TARGET)' }, () => {
  for (const target of built) {
    const { machine, libc } = CROSS[target]
    it(`${target}: ${machine} shared object linked against ${libc}`, (t) => {
      const nodes = readdirSync(path.join(zigDir, target)).filter((f) => f.endsWith('.node'))
      assert.equal(nodes.length, 1, `one .node in target/zig/${target}: ${nodes.join(', ')}`)
      const file = path.join(zigDir, target, nodes[0])
      const platform = `${target.startsWith('x86_64') ? 'x64' : 'arm64'}-${libc === 'musl' ? 'musl' : 'gnu'}`
      assert.equal(nodes[0], `mirage-native.linux-${platform}.node`)
      assert.deepEqual(elfHeader(file), { class: 64, littleEndian: true, type: 3, machine })
      const libs = needed(file)
      if (libc === 'glibc') {
        assert.ok(libs.includes('libc.so.6'), `NEEDED: ${libs.join(', ')}`)
        assert.equal(glibcVersions(file).at(-1), '2.17')
      } else {
        // musl's C library is one shared object, libc.so; no glibc symbol versions.
        assert.ok(libs.includes('libc.so'), `NEEDED: ${libs.join(', ')}`)
        assert.deepEqual(glibcVersions(file), [])
      }
      const desc = fileDescription(file)
      if (desc) assert.match(desc, new RegExp(`^ELF 64-bit LSB shared object, ${machine === 'x86-64' ? 'x86-64' : 'ARM aarch64'}`))
      t.diagnostic(`${nodes[0]}: ${desc ?? ''}; NEEDED ${libs.join(' ')}`)
    })
  }
})
