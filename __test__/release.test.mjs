// The release workflow cannot run here, so its structure is checked: it parses as YAML without warnings, builds every
// napi target with the right command, tests every target on Node 22 and 24, and publishes with `napi prepublish`
// after all of that. Also: the npm/<platform>/ packages match the targets, and the versions agree everywhere.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import YAML from 'yaml'

const require = createRequire(import.meta.url)
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
const TARGETS = PKG.napi.targets
const { SUPPORTED_PLATFORMS } = require('../platform.js')

// napi's platform names for the targets (as `napi create-npm-dirs` names the folders and packages).
const PLATFORM_OF = {
  'x86_64-unknown-linux-gnu': { dir: 'linux-x64-gnu', os: 'linux', cpu: 'x64', libc: 'glibc' },
  'x86_64-unknown-linux-musl': { dir: 'linux-x64-musl', os: 'linux', cpu: 'x64', libc: 'musl' },
  'aarch64-unknown-linux-gnu': { dir: 'linux-arm64-gnu', os: 'linux', cpu: 'arm64', libc: 'glibc' },
  'aarch64-unknown-linux-musl': { dir: 'linux-arm64-musl', os: 'linux', cpu: 'arm64', libc: 'musl' },
  'x86_64-apple-darwin': { dir: 'darwin-x64', os: 'darwin', cpu: 'x64' },
  'aarch64-apple-darwin': { dir: 'darwin-arm64', os: 'darwin', cpu: 'arm64' },
  'x86_64-pc-windows-msvc': { dir: 'win32-x64-msvc', os: 'win32', cpu: 'x64' },
}

describe('package targets', () => {
  it('are the seven of the shipping issue', () => {
    assert.deepEqual([...TARGETS].sort(), Object.keys(PLATFORM_OF).sort())
  })

  it('npm/<platform>/package.json exists for each, with os, cpu and libc set (napi create-npm-dirs)', () => {
    const dirs = readdirSync(path.join(ROOT, 'npm')).sort()
    assert.deepEqual(dirs, TARGETS.map((t) => PLATFORM_OF[t].dir).sort())
    for (const t of TARGETS) {
      const { dir, os, cpu, libc } = PLATFORM_OF[t]
      const p = JSON.parse(readFileSync(path.join(ROOT, 'npm', dir, 'package.json'), 'utf8'))
      assert.equal(p.name, `${PKG.napi.packageName}-${dir}`)
      assert.equal(p.version, PKG.version)
      assert.deepEqual(p.os, [os])
      assert.deepEqual(p.cpu, [cpu])
      if (libc) assert.deepEqual(p.libc, [libc])
      else assert.equal(p.libc, undefined)
      const binary = `${PKG.napi.binaryName}.${dir}.node`
      assert.equal(p.main, binary)
      assert.deepEqual(p.files, [binary])
      assert.equal(p.license, PKG.license)
      assert.deepEqual(p.engines, PKG.engines)
    }
  })

  it("platform.js's list (used in the loader's error message) is the same set", () => {
    assert.deepEqual([...SUPPORTED_PLATFORMS].sort(), TARGETS.map((t) => PLATFORM_OF[t].dir).sort())
  })

  it('the main package ships the CLI and the loader, and names its bin', () => {
    for (const f of ['index.js', 'index.d.ts', 'cli.js', 'platform.js']) assert.ok(PKG.files.includes(f), `files lacks ${f}`)
    assert.deepEqual(PKG.bin, { 'mirage-native': 'cli.js' })
    assert.match(readFileSync(path.join(ROOT, 'cli.js'), 'utf8'), /^#!\/usr\/bin\/env node\n/)
  })
})

describe('versions', () => {
  it('Cargo.toml (workspace and crates), package.json and every npm/*/package.json agree, and follow semver', () => {
    const cargo = readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8')
    const ws = /\[workspace\.package\][^[]*?\nversion\s*=\s*"([^"]+)"/.exec(cargo)
    assert.ok(ws, 'Cargo.toml has no [workspace.package] version')
    assert.equal(ws[1], PKG.version)
    assert.match(PKG.version, /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/)
    // Every crate of the workspace takes the workspace version.
    const members = /members\s*=\s*\[([^\]]*)\]/.exec(cargo)[1].match(/"([^"]+)"/g).map((s) => s.slice(1, -1))
    for (const m of members) {
      const toml = readFileSync(path.join(ROOT, m, 'Cargo.toml'), 'utf8')
      const pkg = /\[package\]([\s\S]*?)(?:\n\[|$)/.exec(toml)[1]
      assert.match(pkg, /\nversion(\.workspace\s*=\s*true|\s*=\s*"([^"]+)")/, `${m}/Cargo.toml has no version`)
      const literal = /\nversion\s*=\s*"([^"]+)"/.exec(pkg)
      if (literal) assert.equal(literal[1], PKG.version, `${m}/Cargo.toml`)
    }
    for (const dir of readdirSync(path.join(ROOT, 'npm'))) {
      assert.equal(JSON.parse(readFileSync(path.join(ROOT, 'npm', dir, 'package.json'), 'utf8')).version, PKG.version, dir)
    }
    // Cargo.lock records the root crate's version too.
    assert.match(readFileSync(path.join(ROOT, 'Cargo.lock'), 'utf8'), new RegExp(`name = "${PKG.name}"\\nversion = "${PKG.version.replace(/\./g, '\\.')}"`))
  })

  it('CHANGELOG.md (Keep a Changelog) has an entry for this version', () => {
    const log = readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8')
    assert.match(log, /keepachangelog\.com/)
    assert.match(log, /semver\.org/)
    assert.match(log, /^## \[Unreleased\]$/m)
    assert.match(log, new RegExp(`^## \\[${PKG.version.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'))
  })
})

describe('.github/workflows/release.yml', () => {
  const text = readFileSync(path.join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8')
  const doc = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: true, strict: true })
  const wf = doc.toJS()
  const jobs = wf?.jobs ?? {}
  const steps = (job) => jobs[job]?.steps ?? []
  const runs = (job) => steps(job).map((s) => s.run ?? '').join('\n')

  it('is valid YAML: no errors, no warnings, no duplicate keys, no tabs', () => {
    assert.deepEqual(doc.errors.map(String), [])
    assert.deepEqual(doc.warnings.map(String), [])
    assert.ok(!/\t/.test(text), 'tab characters in YAML')
    assert.equal(typeof wf, 'object')
  })

  it('has the workflow shape GitHub requires: name, triggers, jobs with runs-on and steps', () => {
    assert.equal(typeof wf.name, 'string')
    assert.ok(wf.on.push.tags.includes('v*'), 'runs on version tags')
    assert.ok('pull_request' in wf.on)
    for (const [name, job] of Object.entries(jobs)) {
      assert.match(name, /^[A-Za-z_][A-Za-z0-9_-]*$/)
      assert.ok(job['runs-on'], `${name}: runs-on`)
      assert.ok(Array.isArray(job.steps) && job.steps.length > 0, `${name}: steps`)
      for (const need of [job.needs ?? []].flat()) assert.ok(jobs[need], `${name} needs unknown job ${need}`)
      for (const s of job.steps) {
        assert.ok(Boolean(s.uses) !== Boolean(s.run), `${name}: a step has exactly one of uses/run: ${JSON.stringify(s)}`)
        if (s.uses) assert.match(s.uses, /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[\w.-]+$/, `${name}: pinned action ${s.uses}`)
      }
    }
    // Every ${{ }} expression is closed.
    const opens = text.match(/\$\{\{/g)?.length ?? 0
    assert.equal(text.match(/\}\}/g)?.length ?? 0, opens)
  })

  it('builds every napi target, Linux with zig (glibc 2.17 for gnu), macOS and Windows natively', () => {
    const matrix = jobs.build.strategy.matrix.settings
    assert.deepEqual(matrix.map((m) => m.target).sort(), [...TARGETS].sort())
    assert.equal(jobs.build.strategy['fail-fast'], false)
    for (const m of matrix) {
      assert.match(m.build, /^npx napi build --platform --release /, m.target)
      const target = /--target (\S+)/.exec(m.build)[1]
      if (m.target.includes('linux')) {
        assert.equal(m.host, 'ubuntu-latest', m.target)
        assert.match(m.build, / -x /, `${m.target} cross-compiles with zig`)
        assert.equal(m.zig, true)
        assert.equal(target, m.target.endsWith('-gnu') ? `${m.target}.2.17` : m.target)
      } else {
        assert.equal(m.host, m.target.includes('apple') ? 'macos-latest' : 'windows-latest', m.target)
        assert.doesNotMatch(m.build, / -x /)
        assert.equal(target, m.target)
      }
    }
    const uses = steps('build').map((s) => s.uses ?? '')
    assert.ok(uses.some((u) => u.startsWith('mlugg/setup-zig@')))
    assert.ok(uses.some((u) => u.startsWith('taiki-e/install-action@')))
    const upload = steps('build').find((s) => s.uses?.startsWith('actions/upload-artifact@'))
    assert.equal(upload.with.name, 'bindings-${{ matrix.settings.target }}')
    assert.equal(upload.with.path, '${{ env.APP_NAME }}.*.node')
    assert.equal(wf.env.APP_NAME, PKG.napi.binaryName)
    assert.match(runs('build'), /git diff --exit-code -- index\.js index\.d\.ts/)
    assert.match(runs('build'), /__test__\/compat\.test\.mjs/)
  })

  it('tests every target on Node 22 and 24, each with its own build artifact', () => {
    const testJobs = Object.keys(jobs).filter((j) => j.startsWith('test-'))
    const tested = []
    for (const j of testJobs) {
      const { settings, node } = jobs[j].strategy.matrix
      assert.deepEqual(node, ['22', '24'], `${j}: node versions`)
      assert.deepEqual([jobs[j].needs].flat(), ['build'])
      const dl = steps(j).find((s) => s.uses?.startsWith('actions/download-artifact@'))
      assert.equal(dl.with.name, 'bindings-${{ matrix.settings.target }}', j)
      assert.match(runs(j), /node --test __test__\//, `${j} runs Node tests`)
      for (const s of settings) {
        tested.push(s.target)
        if (s.target.startsWith('aarch64-unknown-linux')) assert.equal(s.host, 'ubuntu-24.04-arm', s.target)
      }
    }
    assert.deepEqual(tested.sort(), [...TARGETS].sort())
    assert.match(runs('test-linux-musl-binding'), /node:\$\{\{ matrix\.node \}\}-alpine/)
    assert.match(runs('test-linux-gnu-binding'), /node:22-bullseye-slim/, 'an older glibc distribution loads the binary')
  })

  it('publishes with napi prepublish -t npm after every build and test job, on tags only', () => {
    const pub = jobs.publish
    assert.deepEqual([pub.needs].flat().sort(), Object.keys(jobs).filter((j) => j !== 'publish').sort())
    assert.match(pub.if, /startsWith\(github\.ref, 'refs\/tags\/v'\)/)
    assert.equal(pub.permissions['id-token'], 'write')
    const r = runs('publish')
    const order = ['npx napi create-npm-dirs', 'npx napi artifacts', 'npx napi prepublish -t npm', 'npm publish --access public']
    let last = -1
    for (const cmd of order) {
      const at = r.indexOf(cmd)
      assert.ok(at > last, `publish runs ${cmd} after the previous step`)
      last = at
    }
    const dl = steps('publish').find((s) => s.uses?.startsWith('actions/download-artifact@'))
    assert.deepEqual(dl.with, { path: 'artifacts', pattern: 'bindings-*' })
  })
})
