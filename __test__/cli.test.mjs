// The `mirage-native` CLI (cli.js), run as a user runs it: a child process with B2_* / AWS_* environment variables,
// against a local S3 server (s3s-fs), a temp folder and an in-memory mount. Outputs and exit codes are compared with
// GNU bash/coreutils on a local copy of the same files (helpers/gnu.mjs, LC_ALL=C).

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { haveS3sFs, secretsIn, secretsOf, startS3Server, writeTree } from './helpers/s3server.mjs'
import { makeGnu } from './helpers/gnu.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const CLI = path.join(ROOT, 'cli.js')
const VERSION = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version

const TREE = {
  'a.txt': 'alpha\nbeta\ngamma\n',
  'logs/app.log': 'INFO up\nERROR one\nINFO mid\nERROR two\n',
  'logs/old.log': 'ERROR old\n',
  'notes/readme.md': '# notes\n',
}

// A clean environment: nothing from the developer's shell leaks in (no real B2/AWS credentials).
const BASE_ENV = { PATH: process.env.PATH, HOME: os.tmpdir(), LANG: 'C', LC_ALL: 'C' }

/** Run the CLI. `env` is added to BASE_ENV. stdin: a string (a pipe) or 'ignore' (/dev/null, not a terminal). */
function cli(args, { env = {}, input, cwd = ROOT, timeout = 30_000 } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...BASE_ENV, ...env },
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout,
  })
  if (r.error) throw r.error
  return { stdout: r.stdout, stderr: r.stderr, code: r.status }
}

describe('mirage-native CLI: usage', () => {
  it('--help documents the mounts, the options and the exit status, and exits 0', () => {
    const r = cli(['--help'])
    assert.equal(r.code, 0)
    assert.equal(r.stderr, '')
    assert.match(r.stdout, /^Usage: mirage-native \[OPTIONS\] \[--\] \[COMMAND\.\.\.\]\n/)
    for (const s of ['--mount /PATH=b2://BUCKET', 's3://BUCKET[/PREFIX]', 'dir://FOLDER', 'ram://', '--endpoint URL',
      '--write', '--stdin', 'B2_ACCESS_KEY_ID', 'B2_SECRET_ACCESS_KEY', 'B2_REGION', 'B2_ENDPOINT', 'AWS_ACCESS_KEY_ID',
      'interactive prompt', 'Exit status']) {
      assert.ok(r.stdout.includes(s), `--help lacks ${s}`)
    }
    assert.deepEqual(cli(['-h']), r)
  })

  it('--version prints the package version', () => {
    assert.deepEqual(cli(['--version']), { stdout: `${VERSION}\n`, stderr: '', code: 0 })
  })

  it('without a command and without a terminal: usage on stderr, exit 2', () => {
    const r = cli(['--mount', '/t=ram://'])
    assert.equal(r.code, 2)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^Usage: mirage-native /)
    assert.match(r.stderr, /no COMMAND given and standard input is not a terminal/)
    // A pipe on stdin is not a terminal either.
    assert.equal(cli(['--mount', '/t=ram://'], { input: 'ls\n' }).code, 2)
  })

  it('usage errors exit 2 with a message and a hint', () => {
    const cases = [
      [['--bogus', 'ls'], /unknown option '--bogus'/],
      [['--mount'], /option '--mount' needs a value/],
      [['--mount', 'bucket=b2://x', 'ls'], /the mount path must start with \//],
      [['--mount', '/x=ftp://host', 'ls'], /unknown scheme 'ftp:\/\/'/],
      [['--mount', '/x', 'ls'], /expected \/PATH=SCHEME:\/\/TARGET/],
      [['ls /'], /nothing to mount/],
      [['--mount', '/b=b2://bk', 'ls'], /b2:\/\/ mounts need a region: set B2_REGION/],
      [['--mount', '/s=s3://bk', 'ls'], /s3:\/\/ mounts need a key ID: set S3_ACCESS_KEY_ID or AWS_ACCESS_KEY_ID/],
      [['--mount', '/t=ram://', '--mount', '/t/=ram://', 'ls'], /\/t\/ is mounted twice/],
    ]
    for (const [args, re] of cases) {
      const r = cli(args)
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stdout, '')
      assert.match(r.stderr, re)
    }
  })
})

describe('mirage-native CLI: mounts', { skip: haveS3sFs() ? false : 's3s-fs not found (scripts/test.sh installs it)' }, () => {
  let s3, gnu, dir, b2env, s3env
  before(async () => {
    s3 = await startS3Server({ tree: TREE })
    gnu = await makeGnu({ '/bucket': TREE, '/d': TREE })
    dir = mkdtempSync(path.join(os.tmpdir(), 'mirage-cli-dir-'))
    await writeTree(dir, TREE)
    b2env = {
      B2_REGION: 'us-west-004',
      B2_ACCESS_KEY_ID: s3.accessKeyId,
      B2_SECRET_ACCESS_KEY: s3.secretAccessKey,
      B2_ENDPOINT: s3.endpoint,
    }
    s3env = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1' }
  })
  after(async () => {
    await s3?.stop()
    gnu?.cleanup()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const same = (r, g, what) => {
    assert.equal(r.stdout, g.stdout.toString(), `${what}: stdout`)
    assert.equal(r.stderr, g.stderr.toString(), `${what}: stderr`)
    assert.equal(r.code, g.exitCode, `${what}: exit code`)
  }

  it('b2:// mount: stdout, stderr and the exit code are the command\'s', () => {
    for (const cmd of [
      'ls /bucket/',
      'cat /bucket/a.txt | head -n 2',
      'cat /bucket/missing.txt',
      'ls /bucket/nope',
      'wc -l /bucket/logs/app.log /bucket/logs/old.log',
      'cd /bucket/logs && ls && pwd',
      'false',
      'exit 3',
      'echo out; echo err >&2; exit 42',
    ]) {
      same(cli(['--mount', `/bucket=b2://${s3.bucket}`, cmd], { env: b2env }), gnu.run(cmd), cmd)
    }
  })

  it('B2_BUCKET alone mounts the bucket at /bucket/', () => {
    same(cli(['ls /bucket/logs'], { env: { ...b2env, B2_BUCKET: s3.bucket } }), gnu.run('ls /bucket/logs'), 'B2_BUCKET')
  })

  it('several words are joined into one command line, and -c works', () => {
    const env = { ...b2env, B2_BUCKET: s3.bucket }
    same(cli(['head', '-n', '1', '/bucket/a.txt'], { env }), gnu.run('head -n 1 /bucket/a.txt'), 'words')
    same(cli(['-c', 'wc -c /bucket/a.txt'], { env }), gnu.run('wc -c /bucket/a.txt'), '-c')
    same(cli(['--', 'ls', '/bucket/notes'], { env }), gnu.run('ls /bucket/notes'), '--')
  })

  it('s3:// mount with --endpoint and AWS_* credentials, with and without a key prefix', () => {
    const r = cli(['--mount', `/s3=s3://${s3.bucket}`, '--endpoint', s3.endpoint, 'ls /s3/logs'], { env: s3env })
    same(r, gnu.run('ls /bucket/logs'), 's3://')
    const p = cli(['--mount', `/l=s3://${s3.bucket}/logs`, `--endpoint=${s3.endpoint}`, 'ls /l/; cat /l/old.log'], {
      env: s3env,
    })
    same(p, gnu.run('ls /bucket/logs/; cat /bucket/logs/old.log'), 's3:// prefix')
    // S3_ENDPOINT instead of --endpoint, S3_* credentials instead of AWS_*.
    const e = cli(['--mount', `/s3=s3://${s3.bucket}`, 'cat /s3/a.txt'], {
      env: { S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey },
    })
    same(e, gnu.run('cat /bucket/a.txt'), 'S3_*')
  })

  it('a wrong secret fails the command (not the CLI) and never prints a credential', () => {
    const r = cli(['--mount', `/bucket=b2://${s3.bucket}`, 'ls /bucket/'], {
      env: { ...b2env, B2_SECRET_ACCESS_KEY: 'wrong-secret-value' },
    })
    assert.notEqual(r.code, 0)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^ls: /)
    assert.deepEqual(secretsIn(r.stdout + r.stderr, [...secretsOf(s3), 'wrong-secret-value']), [])
  })

  it('dir:// mounts are read-only unless --write; ram:// is writable', () => {
    const ro = cli(['--mount', `/d=dir://${dir}`, 'echo new > /d/new.txt'])
    assert.equal(ro.code, 1)
    assert.match(ro.stderr, /Read-only file system/)
    assert.equal(existsSync(path.join(dir, 'new.txt')), false)

    const rw = cli(['--write', '--mount', `/d=dir://${dir}`, 'echo new > /d/new.txt && cat /d/new.txt'])
    assert.deepEqual(rw, { stdout: 'new\n', stderr: '', code: 0 })
    assert.equal(readFileSync(path.join(dir, 'new.txt'), 'utf8'), 'new\n')
    rmSync(path.join(dir, 'new.txt'))

    // A relative folder is resolved against the current directory.
    const rel = cli(['--mount', '/d=dir://./logs', 'ls /d/'], { cwd: dir })
    same(rel, gnu.run('ls /d/logs/'), 'relative dir://')

    const ram = cli(['--mount', '/t=ram://', '--mount', `/d=dir://${dir}`, 'echo hi > /t/x && cat /t/x /d/a.txt'])
    assert.deepEqual(ram, { stdout: 'hi\n' + TREE['a.txt'], stderr: '', code: 0 })
  })

  it('a closed stdout (| head -n 1) ends the CLI quietly with 141, as SIGPIPE ends GNU tools', () => {
    const big = Array.from({ length: 200_000 }, (_, i) => `line ${i}`).join('\n') + '\n'
    writeFileSync(path.join(dir, 'big.txt'), big)
    try {
      const r = spawnSync('bash', ['-c', `"$0" "$1" --mount "/d=dir://$2" 'cat /d/big.txt' | head -n 1; echo "status \${PIPESTATUS[0]}"`,
        process.execPath, CLI, dir], { env: BASE_ENV, encoding: 'utf8', timeout: 30_000 })
      assert.equal(r.stdout, 'line 0\nstatus 141\n')
      assert.equal(r.stderr, '')
    } finally {
      rmSync(path.join(dir, 'big.txt'))
    }
  })

  it('--stdin feeds standard input to the command', () => {
    const input = 'one\ntwo\nthree\n'
    const r = cli(['--stdin', '--mount', '/t=ram://', 'head -n 2 | wc -l'], { input })
    same(r, gnu.run('head -n 2 | wc -l', { stdin: input }), '--stdin')
    // Without --stdin the command's stdin is empty, even when the CLI's is a pipe.
    assert.equal(cli(['--mount', '/t=ram://', 'wc -l'], { input }).stdout, gnu.run('wc -l').stdout.toString())
  })
})

describe('mirage-native CLI: interactive prompt (pseudo-terminal through script(1))', () => {
  const script = spawnSync('script', ['--version'], { encoding: 'utf8' })
  const skip = script.error ? 'script(1) from util-linux is not installed' : false

  it('keeps cwd and exported variables between lines, and `exit N` sets the exit code', { skip }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mirage-cli-tty-'))
    try {
      await writeTree(dir, TREE)
      const lines = ['cd /d/logs', 'pwd', 'export GREETING=hello', 'echo "$GREETING from $(pwd)"', 'ls',
        'cat /d/missing', 'echo "status $?"', 'exit 7']
      const cmd = [process.execPath, CLI, '--mount', `/d=dir://${dir}`].map((a) => `'${a}'`).join(' ')
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], {
        input: lines.join('\n') + '\n',
        env: { ...BASE_ENV, TERM: 'dumb' },
        encoding: 'utf8',
        timeout: 30_000,
      })
      if (r.error) throw r.error
      const raw = r.stdout.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '')
      assert.equal(r.status, 7, raw)
      assert.match(raw, /\n\/d\/logs\$ /, 'the prompt shows the session cwd')
      // The terminal echoes the typed lines first (they are all sent at once); then prompts and outputs.
      const out = raw.replace(/^(?:\/[^\s$]*\$ )+/gm, '')
      assert.match(out, /^\/d\/logs$/m)
      assert.match(out, /^hello from \/d\/logs$/m)
      assert.match(out, /^app\.log\nold\.log$/m)
      assert.match(out, /^cat: \/d\/missing: No such file or directory$/m)
      assert.match(out, /^status 1$/m)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
