// What a user gets from `pnpm add mirage-native` on a server without Rust, proved on this machine:
//
//   1. the main package is staged as the release job stages it (`napi prepublish -t npm` writes the
//      optionalDependencies on every platform package) and packed with `npm pack`; the linux-x64-gnu platform
//      package is packed with the binary in it (the glibc 2.17 build from `npm run build:compat` when present, else
//      the one `napi build --platform` left in the checkout);
//   2. both tarballs are installed with pnpm into a fresh folder (no registry needed: the platform package comes
//      from its tarball, the six other platforms are dropped with pnpm overrides, exactly as pnpm skips them on
//      this machine anyway);
//   3. README's TypeScript quick start (the block between the quickstart markers) is compiled there with
//      `tsc --strict` against the installed index.d.ts, and run against a local S3 server; its output is compared
//      with GNU `ls` on the same files. The installed `mirage-native` CLI is run the same way.
//
// Plus: the loader's error when no binary fits, for a missing platform package, an unsupported platform and a
// broken binary.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

import { haveS3sFs, startS3Server } from './helpers/s3server.mjs'
import { makeGnu } from './helpers/gnu.mjs'

const require = createRequire(import.meta.url)
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
const { platformId, SUPPORTED_PLATFORMS } = require('../platform.js')

const PLATFORM = 'linux-x64-gnu'
const BINARY = `${PKG.napi.binaryName}.${PLATFORM}.node`
const COMPAT_BINARY = path.join(ROOT, 'target', 'glibc217', BINARY)
const LOCAL_BINARY = path.join(ROOT, BINARY)
const NAPI = path.join(ROOT, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js')
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
const PNPM = path.join(ROOT, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs')

const onThisPlatform = platformId() === PLATFORM
const skipPack = !onThisPlatform
  ? `the pack test installs the ${PLATFORM} package; this machine is ${platformId()}`
  : !haveS3sFs()
    ? 's3s-fs not found (scripts/test.sh installs it)'
    : false

/** Run a command; throw with its output when it fails. */
function run(cmd, args, { cwd, env, timeout = 120_000, allowFail = false } = {}) {
  const r = spawnSync(cmd, args, { cwd, env: env ?? process.env, encoding: 'utf8', timeout, maxBuffer: 64 << 20 })
  if (r.error) throw r.error
  if (!allowFail && r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`)
  }
  return r
}

/** README's TypeScript quick start: the ```ts block between the quickstart markers. */
function readmeQuickStart() {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const m = /<!-- quickstart:begin[^>]*-->\s*```ts\n([\s\S]*?)```\s*<!-- quickstart:end -->/.exec(readme)
  if (!m) throw new Error('README.md has no ```ts block between <!-- quickstart:begin --> and <!-- quickstart:end -->')
  return m[1]
}

function duBytes(dir) {
  let total = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) total += duBytes(p)
    else if (e.isFile()) total += statSync(p).size
  }
  return total
}

const mib = (n) => `${(n / 1048576).toFixed(1)} MiB`

describe('npm pack + pnpm install + README TypeScript quick start', { skip: skipPack, timeout: 240_000 }, () => {
  const TREE = {
    'README.md': '# bucket\n',
    'hello.txt': 'hello\n',
    'logs/app.log': 'INFO started\nERROR boom\n',
    'with space.txt': 'spaced\n',
    'Zebra.txt': 'capital Z sorts before lowercase in the C locale\n',
  }
  let tmp, s3, gnu, proj, binary, tarballs, envB2

  before(async () => {
    binary = existsSync(COMPAT_BINARY) ? COMPAT_BINARY : LOCAL_BINARY
    assert.ok(existsSync(binary), `no built binary: run \`npx napi build --platform\` first (looked for ${LOCAL_BINARY})`)
    tmp = mkdtempSync(path.join(os.tmpdir(), 'mirage-pack-'))
    s3 = await startS3Server({ tree: TREE })
    gnu = await makeGnu({ '/bucket': TREE })
    envB2 = {
      ...process.env,
      B2_BUCKET: s3.bucket,
      B2_REGION: 'us-west-004',
      B2_ACCESS_KEY_ID: s3.accessKeyId,
      B2_SECRET_ACCESS_KEY: s3.secretAccessKey,
      B2_ENDPOINT: s3.endpoint,
    }

    // 1. Stage the main package from exactly the files `npm pack` takes from the checkout (the `files` list).
    const stage = path.join(tmp, 'stage')
    mkdirSync(stage)
    const dry = run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT })
    const files = JSON.parse(dry.stdout)[0].files.map((f) => f.path)
    for (const f of files) cpSync(path.join(ROOT, f), path.join(stage, f), { recursive: true })
    cpSync(path.join(ROOT, 'npm'), path.join(stage, 'npm'), {
      recursive: true,
      filter: (src) => !src.endsWith('.node'),
    })
    copyFileSync(binary, path.join(stage, 'npm', PLATFORM, BINARY))
    // napi prepublish refuses to run unless every platform package holds its binary (the release job has all
    // seven). The six others get a placeholder here; they are never packed or installed.
    for (const dir of readdirSync(path.join(stage, 'npm'))) {
      if (dir !== PLATFORM) writeFileSync(path.join(stage, 'npm', dir, `${PKG.napi.binaryName}.${dir}.node`), '')
    }
    // What the release job runs before `npm publish`. An unreachable registry and no tokens: nothing can be
    // published from here even by mistake (--skip-optional-publish already skips it).
    const noPublishEnv = { ...process.env, npm_config_registry: 'http://127.0.0.1:9/' }
    delete noPublishEnv.GITHUB_TOKEN
    delete noPublishEnv.NPM_TOKEN
    delete noPublishEnv.NODE_AUTH_TOKEN
    run(process.execPath, [NAPI, 'prepublish', '-t', 'npm', '--skip-optional-publish', '--no-gh-release'], {
      cwd: stage,
      env: noPublishEnv,
    })

    // 2. Pack both packages.
    const out = path.join(tmp, 'tarballs')
    mkdirSync(out)
    const pack = (dir) => {
      const r = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: dir })
      const info = JSON.parse(r.stdout)[0]
      return { file: path.join(out, info.filename), size: info.size, unpackedSize: info.unpackedSize, files: info.files }
    }
    tarballs = { main: pack(stage), platform: pack(path.join(stage, 'npm', PLATFORM)) }

    // 3. A fresh project that depends on the main tarball; pnpm installs the platform package from its tarball.
    proj = path.join(tmp, 'proj')
    mkdirSync(proj)
    const overrides = { [`${PKG.name}-${PLATFORM}`]: `file:${tarballs.platform.file}` }
    for (const p of SUPPORTED_PLATFORMS) if (p !== PLATFORM) overrides[`${PKG.name}-${p}`] = '-'
    writeFileSync(
      path.join(proj, 'package.json'),
      JSON.stringify(
        {
          name: 'mirage-native-quickstart',
          private: true,
          type: 'module',
          dependencies: { [PKG.name]: `file:${tarballs.main.file}` },
          pnpm: { overrides },
        },
        null,
        2,
      ),
    )
    run(
      process.execPath,
      [PNPM, 'install', '--offline', '--ignore-workspace', '--store-dir', path.join(tmp, 'pnpm-store'), '--reporter', 'append-only'],
      { cwd: proj, env: { ...process.env, npm_config_registry: 'http://127.0.0.1:9/' } },
    )
  })

  after(async () => {
    await s3?.stop()
    gnu?.cleanup()
    if (tmp) rmSync(tmp, { recursive: true, force: true })
  })

  it('the staged main package lists every platform package at the exact version (napi prepublish)', () => {
    const staged = JSON.parse(readFileSync(path.join(tmp, 'stage', 'package.json'), 'utf8'))
    const expected = Object.fromEntries(SUPPORTED_PLATFORMS.map((p) => [`${PKG.name}-${p}`, PKG.version]))
    assert.deepEqual(staged.optionalDependencies, expected)
  })

  it('packs the main package without any binary, and the platform package with exactly its binary', (t) => {
    const mainFiles = tarballs.main.files.map((f) => f.path).sort()
    for (const f of ['package.json', 'index.js', 'index.d.ts', 'cli.js', 'platform.js', 'README.md']) {
      assert.ok(mainFiles.includes(f), `main tarball lacks ${f}: ${mainFiles.join(', ')}`)
    }
    assert.deepEqual(mainFiles.filter((f) => f.endsWith('.node')), [])
    assert.deepEqual(tarballs.platform.files.map((f) => f.path).sort(), [BINARY, 'README.md', 'package.json'].sort())
    t.diagnostic(
      `binary: ${path.relative(ROOT, binary)} ${mib(statSync(binary).size)}; tarballs: main ${(tarballs.main.size / 1024).toFixed(1)} KiB, ` +
        `${PLATFORM} ${mib(tarballs.platform.size)}`,
    )
  })

  it('pnpm installed the platform package, and the loader resolves the binary from it', (t) => {
    const mainDir = realpathSync(path.join(proj, 'node_modules', PKG.name))
    assert.deepEqual(readdirSync(mainDir).filter((f) => f.endsWith('.node')), [], 'no binary next to index.js')
    const probe = run(
      process.execPath,
      ['-e', `const r = require('module').createRequire(${JSON.stringify(path.join(mainDir, 'index.js'))}); console.log(r.resolve('${PKG.name}-${PLATFORM}'))`],
      { cwd: proj },
    )
    const resolved = probe.stdout.trim()
    assert.match(resolved, new RegExp(`node_modules/\\.pnpm/${PKG.name}-${PLATFORM}@.*/${BINARY.replace(/\./g, '\\.')}$`))
    const platDir = path.dirname(realpathSync(resolved))
    const installed = duBytes(mainDir) + duBytes(platDir)
    t.diagnostic(`installed size: ${mib(installed)} (main ${(duBytes(mainDir) / 1024).toFixed(1)} KiB + ${PLATFORM} ${mib(duBytes(platDir))})`)
    // The size budget of the release build (a debug build, used when the compat build was skipped, is far larger).
    if (binary === COMPAT_BINARY) {
      // 12 MB: the budget issue 18 set (the safety work took the binary from 9.6 to 10.3 MB).
      assert.ok(statSync(binary).size < 12_000_000, `release binary ${statSync(binary).size} bytes: over the 12 MB budget`)
      assert.ok(installed < 15_000_000, `installed ${installed} bytes: over the 15 MB budget`)
    }
  })

  it("compiles README's TypeScript quick start with tsc --strict and runs it against the S3 server", () => {
    writeFileSync(path.join(proj, 'quickstart.ts'), readmeQuickStart())
    writeFileSync(
      path.join(proj, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib: ['ES2022'],
          types: ['node'],
          typeRoots: [path.join(ROOT, 'node_modules', '@types')],
          skipLibCheck: false,
        },
        files: ['quickstart.ts'],
      }),
    )
    run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: proj })
    const r = run(process.execPath, ['quickstart.js'], { cwd: proj, env: envB2, allowFail: true })
    const expected = gnu.run('ls /bucket/')
    assert.equal(r.stderr, '')
    assert.equal(r.stdout, expected.stdout.toString())
    assert.equal(r.status, 0)
    assert.equal(r.stdout, 'README.md\nZebra.txt\nhello.txt\nlogs\nwith space.txt\n')
  })

  it('the installed mirage-native CLI lists the bucket and exits with the command status', () => {
    const bin = path.join(proj, 'node_modules', '.bin', 'mirage-native')
    const ok = run(bin, ['ls /bucket/logs/'], { cwd: proj, env: envB2 })
    assert.equal(ok.stdout, gnu.run('ls /bucket/logs/').stdout.toString())
    const missing = run(bin, ['cat /bucket/nope.txt'], { cwd: proj, env: envB2, allowFail: true })
    const g = gnu.run('cat /bucket/nope.txt')
    assert.equal(missing.status, g.exitCode)
    assert.equal(missing.stderr, g.stderr.toString())
  })
})

describe('loader errors name the platform when no binary fits', () => {
  let dir
  before(() => {
    // The installed main package without its platform package: index.js, platform.js, cli.js, package.json.
    dir = mkdtempSync(path.join(os.tmpdir(), 'mirage-loader-'))
    for (const f of ['index.js', 'platform.js', 'cli.js', 'package.json']) copyFileSync(path.join(ROOT, f), path.join(dir, f))
  })
  after(() => dir && rmSync(dir, { recursive: true, force: true }))

  const load = (prelude = '', env = {}) =>
    run(process.execPath, ['-e', `${prelude}; require('./platform.js').loadBinding()`], {
      cwd: dir,
      env: { ...process.env, ...env },
      allowFail: true,
    })

  it("napi's own loader message does not name the platform (why platform.js exists)", () => {
    const r = run(process.execPath, ['-e', "require('./index.js')"], { cwd: dir, allowFail: true })
    assert.notEqual(r.status, 0)
    const first = r.stderr.split('\n').find((l) => l.startsWith('Error:'))
    assert.match(first, /Cannot find native binding/)
    assert.doesNotMatch(first, new RegExp(platformId()))
  })

  it('a missing platform package: names the platform, the package and the fix', () => {
    const r = load()
    assert.notEqual(r.status, 0)
    const id = platformId()
    assert.match(r.stderr, new RegExp(`native binary for ${id} \\(Node ${process.version.replace(/\./g, '\\.')}\\) could not be loaded`))
    assert.match(r.stderr, new RegExp(`optional dependency mirage-native-${id}`))
    assert.match(r.stderr, new RegExp(`Cannot find module 'mirage-native-${id}'`))
  })

  it('the CLI prints the same message and exits 1', () => {
    const r = run(process.execPath, ['cli.js', '--mount', '/t=ram://', 'echo hi'], { cwd: dir, allowFail: true })
    assert.equal(r.status, 1)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, new RegExp(`^mirage-native: the native binary for ${platformId()} `))
  })

  it('a simulated platform without a prebuilt binary (freebsd-riscv64)', () => {
    const r = load("Object.defineProperty(process, 'platform', { value: 'freebsd' }); Object.defineProperty(process, 'arch', { value: 'riscv64' })")
    assert.notEqual(r.status, 0)
    assert.match(r.stderr, /there is no prebuilt native binary for freebsd-riscv64 /)
    assert.match(r.stderr, new RegExp(`Prebuilt binaries exist for: ${SUPPORTED_PLATFORMS.join(', ')}\\.`))
    assert.match(r.stderr, /Unsupported architecture on FreeBSD: riscv64/)
  })

  it('a simulated supported platform whose package is absent (linux-arm64-gnu)', { skip: process.platform !== 'linux' || platformId().endsWith('musl') }, () => {
    const r = load("Object.defineProperty(process, 'arch', { value: 'arm64' })")
    assert.match(r.stderr, /the native binary for linux-arm64-gnu .*could not be loaded/)
    assert.match(r.stderr, /optional dependency mirage-native-linux-arm64-gnu/)
  })

  it('a broken binary (NAPI_RS_NATIVE_LIBRARY_PATH): the load error is listed', () => {
    const bogus = path.join(dir, 'bogus.node')
    writeFileSync(bogus, 'not an ELF file')
    const r = load('', { NAPI_RS_NATIVE_LIBRARY_PATH: bogus })
    assert.match(r.stderr, new RegExp(`native binary for ${platformId()}`))
    assert.match(r.stderr, /Load attempts:\n {2}- .*(invalid ELF header|file too short|not a valid)/)
  })
})
