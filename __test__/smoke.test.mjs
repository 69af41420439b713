// The binding on any platform, with nothing but Node: no S3 server, no GNU tools, no Rust. The release workflow runs
// this file on every target it builds (macOS, Windows, Alpine/musl, Debian 11's glibc 2.31), where the full suite's
// oracles (s3s-fs, GNU bash/coreutils) are not available. The expected outputs are GNU's for these small trees; the
// Linux suite compares the same commands with real GNU tools.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const { loadBinding, platformId, SUPPORTED_PLATFORMS } = require('../platform.js')

describe(`the binding on ${platformId()} (Node ${process.version})`, () => {
  let binding, dir
  before(() => {
    binding = loadBinding()
    dir = mkdtempSync(path.join(os.tmpdir(), 'mirage-smoke-'))
    mkdirSync(path.join(dir, 'sub'))
    writeFileSync(path.join(dir, 'b.txt'), 'one\ntwo\n')
    writeFileSync(path.join(dir, 'a.txt'), 'alpha\n')
    writeFileSync(path.join(dir, 'sub', 'c.txt'), 'c\n')
  })
  after(() => dir && rmSync(dir, { recursive: true, force: true }))

  it('is a prebuilt target of this package and loads natively', () => {
    assert.ok(SUPPORTED_PLATFORMS.includes(platformId()), `${platformId()} is not a release target`)
    assert.equal(binding.__napiBindingTarget, 'native')
    for (const name of ['Workspace', 'BackblazeResource', 'S3Resource', 'RAMResource', 'DiskResource', 'MountMode']) {
      assert.ok(binding[name], `${name} is exported`)
    }
  })

  it('runs shell commands over RAM and a local folder', async () => {
    const { Workspace, RAMResource, DiskResource } = binding
    const ws = new Workspace(
      { '/tmp/': new RAMResource(), '/d/': new DiskResource({ root: dir }) },
      { mode: 'read', modeOverrides: { '/tmp/': 'write' } },
    )
    try {
      const hi = await ws.execute('echo hi')
      assert.deepEqual([hi.stdoutText, hi.stderrText, hi.exitCode], ['hi\n', '', 0])
      const ls = await ws.execute('ls /d/')
      assert.deepEqual([ls.stdoutText, ls.exitCode], ['a.txt\nb.txt\nsub\n', 0])
      const wc = await ws.execute('cat /d/b.txt /d/sub/c.txt | wc -l')
      assert.equal(wc.stdoutText, '3\n')
      const missing = await ws.execute('cat /d/missing.txt')
      assert.deepEqual([missing.stdoutText, missing.stderrText, missing.exitCode], ['', 'cat: /d/missing.txt: No such file or directory\n', 1])
      const ro = await ws.execute('echo x > /d/x.txt')
      assert.equal(ro.exitCode, 1)
      assert.match(ro.stderrText, /Read-only file system/)
      const ram = await ws.execute('echo saved > /tmp/f && cd /tmp && cat f && pwd')
      assert.deepEqual([ram.stdoutText, ram.exitCode], ['saved\n/tmp\n', 0])
    } finally {
      await ws.close()
    }
  })

  it('the CLI runs a command and exits with its status', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'cli.js'), '--mount', `/d=dir://${dir}`, 'head -n 1 /d/b.txt; exit 5'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    })
    assert.deepEqual([r.stdout, r.stderr, r.status], ['one\n', '', 5])
    const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version
    assert.equal(spawnSync(process.execPath, [path.join(ROOT, 'cli.js'), '--version'], { encoding: 'utf8' }).stdout, `${version}\n`)
  })
})
