// The foundation slice, as a user sees it: mount a Backblaze B2 bucket (here a local, signature-checking S3 server,
// s3s-fs, that this file starts on 127.0.0.1), run shell commands through `Workspace.execute`, and get exactly what
// GNU bash + coreutils print for the same files.
//
// Every shell case below is run three times, on the same tree of files:
//   1. BackblazeResource -> s3s-fs (real HTTP, real SigV4),
//   2. RAMResource, 3. DiskResource,
// and each result is compared byte for byte with `bash -c` on a local copy of the tree (helpers/gnu.mjs, LC_ALL=C).

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import util from 'node:util'

import { freePort, manyKeys, secretsIn, startS3Server, writeTree } from './helpers/s3server.mjs'
import { makeGnu } from './helpers/gnu.mjs'

const require = createRequire(import.meta.url)
const { Workspace, BackblazeResource, S3Resource, RAMResource, DiskResource, MountMode } = require('../index.js')

// ---------------------------------------------------------------------------------------------------------------
// The tree of files every backend holds at /bucket/.

const APP_LOG = [
  '2024-01-01T00:00:01Z INFO server started on :8080',
  '2024-01-01T00:00:02Z INFO connected to database',
  '2024-01-01T00:00:03Z ERROR upstream timeout after 30s',
  '2024-01-01T00:00:04Z INFO request GET /health 200',
  '2024-01-01T00:00:05Z ERROR failed to parse body: unexpected EOF',
  '2024-01-01T00:00:06Z INFO request POST /items 201',
  '2024-01-01T00:00:07Z INFO shutting down',
].join('\n') + '\n'

const TREE = {
  'README.md': '# test bucket\nSample files for the mirage-native tests.\n',
  'a.txt': 'hello a.txt\n',
  'dir/b.jsonl': '{"id":1,"name":"alpha"}\n{"id":2,"name":"beta"}\n',
  'dir/sub/c.jsonl': '{"id":3}\n',
  'logs/app.log': APP_LOG,
  'logs/2024/01/day1.log': 'day one\nsecond line\nthird line\nfourth line\n',
  'logs/2024/01/day2.log': 'day two\n',
  'with space+plus.txt': 'a key with a space and a plus\n',
  'ünïcødé.txt': 'unicode key\nzweite Zeile\n',
  'ünïcødé/日本語.txt': 'こんにちは\n世界\n',
  'reserved/100% (x)+y=z&w;q.txt': 'reserved characters\n',
  'reserved/%41%2F.txt': 'percent-encoded-looking name\n',
  'no-newline.txt': 'first\nsecond without newline',
  'empty.txt': '',
  ...manyKeys('many/', 1200),
}

// name, command, optional execute() options, optional literal expectation (documentation; GNU is the real oracle).
const CASES = [
  // ls
  { cmd: 'ls /bucket/', stdout: 'README.md\na.txt\ndir\nempty.txt\nlogs\nmany\nno-newline.txt\nreserved\nwith space+plus.txt\nünïcødé\nünïcødé.txt\n' },
  { cmd: 'ls /bucket' },
  { cmd: 'ls /bucket/dir/', stdout: 'b.jsonl\nsub\n' },
  { cmd: 'ls /bucket/logs/2024/01' },
  { cmd: 'ls /bucket/reserved/' },
  { cmd: 'ls /bucket/ünïcødé/' },
  { cmd: 'ls /bucket/many/', note: 'more than 1000 keys: needs ListObjectsV2 continuation' },
  { cmd: 'ls /bucket/many | wc -l', stdout: '1200\n' },
  { cmd: 'ls /bucket/a.txt', stdout: '/bucket/a.txt\n' },
  { cmd: 'ls /bucket/dir /bucket/logs' },
  { cmd: 'ls /bucket/missing', exitCode: 2 },
  // cat
  { cmd: 'cat /bucket/a.txt', stdout: 'hello a.txt\n' },
  { cmd: 'cat "/bucket/with space+plus.txt"', stdout: 'a key with a space and a plus\n' },
  { cmd: 'cat /bucket/with\\ space+plus.txt' },
  { cmd: "cat '/bucket/ünïcødé.txt'", stdout: 'unicode key\nzweite Zeile\n' },
  { cmd: 'cat /bucket/ünïcødé/日本語.txt' },
  { cmd: "cat '/bucket/reserved/100% (x)+y=z&w;q.txt'" },
  { cmd: 'cat /bucket/reserved/%41%2F.txt' },
  { cmd: 'cat /bucket/no-newline.txt' },
  { cmd: 'cat /bucket/empty.txt', stdout: '' },
  { cmd: 'cat /bucket/a.txt /bucket/dir/sub/c.jsonl' },
  { cmd: 'cat /bucket/missing.txt', stderr: 'cat: /bucket/missing.txt: No such file or directory\n', exitCode: 1 },
  { cmd: 'cat /bucket/a.txt /bucket/missing.txt /bucket/dir/sub/c.jsonl', exitCode: 1 },
  // pipes, wc, head
  { cmd: 'cat /bucket/logs/app.log | wc -l', stdout: '7\n' },
  { cmd: 'cat /bucket/no-newline.txt | wc -l', stdout: '1\n' },
  { cmd: 'cat /bucket/logs/app.log | wc' },
  { cmd: 'head -n 3 /bucket/logs/app.log' },
  { cmd: 'cat /bucket/logs/app.log | head -n 3 | wc -c' },
  { cmd: 'head -n 3 /bucket/logs/app.log /bucket/a.txt' },
  { cmd: 'head -n 1 /bucket/missing.txt', exitCode: 1 },
  { cmd: 'wc /bucket/a.txt /bucket/logs/app.log /bucket/no-newline.txt', note: 'GNU column widths and total' },
  { cmd: 'wc -l /bucket/dir/b.jsonl /bucket/dir/sub/c.jsonl /bucket/empty.txt' },
  { cmd: 'wc -c "/bucket/with space+plus.txt"' },
  { cmd: 'wc /bucket/a.txt /bucket/missing.txt', exitCode: 1 },
  { cmd: 'wc -l', opts: { stdin: Buffer.from('one\ntwo\nthree\n') }, stdout: '3\n' },
  // cd, pwd, relative paths, cwd option
  { cmd: 'pwd', stdout: '/\n' },
  { cmd: 'cd /bucket/dir && pwd && cat b.jsonl' },
  { cmd: 'cd /bucket/logs; cat 2024/01/day1.log | wc -l', stdout: '4\n' },
  { cmd: 'cd /bucket/dir/sub && ls && cat ../../a.txt' },
  { cmd: 'cd /bucket && ls dir && head -n 1 logs/app.log' },
  { cmd: 'cd /bucket/nope', stderr: 'bash: line 1: cd: /bucket/nope: No such file or directory\n', exitCode: 1 },
  { cmd: 'cat b.jsonl', opts: { cwd: '/bucket/dir' } },
  { cmd: 'pwd; ls', opts: { cwd: '/bucket/logs' } },
  // lists
  { cmd: 'cat /bucket/a.txt && echo ok' },
  { cmd: 'cat /bucket/missing.txt && echo never' },
  { cmd: 'cat /bucket/missing.txt || echo fallback' },
  { cmd: 'cat /bucket/missing.txt; echo after' },
  { cmd: 'false || echo yes && echo both' },
  { cmd: 'true && false; echo next' },
  { cmd: 'nosuchcommand /bucket/a.txt', exitCode: 127 },
  // echo and quoting
  { cmd: `echo "a  b" 'c  $d' e\\ f`, stdout: 'a  b c  $d e f\n' },
  { cmd: `echo "it's" 'say "hi"' "back\\\\slash" mixed"quo"'tes'` },
  { cmd: 'echo -n no newline; echo' },
  { cmd: 'echo hello | wc -c', stdout: '6\n' },
  { cmd: 'echo "x y z" | cat | wc -w', stdout: '3\n' },
]

function label(c) {
  if (!c.opts) return c.cmd
  const shown = { ...c.opts }
  if (shown.stdin !== undefined) shown.stdin = Buffer.from(shown.stdin).toString()
  return `${c.cmd}  ${util.inspect(shown, { breakLength: Infinity })}`
}

function asStrings(r) {
  return {
    stdout: Buffer.from(r.stdout).toString('utf8'),
    stderr: Buffer.from(r.stderr).toString('utf8'),
    exitCode: r.exitCode,
  }
}

/** The mirage result must equal GNU's byte for byte (and the ExecuteResult must be well formed). */
function assertSameAsGnu(r, g, c) {
  assert.ok(r.stdout instanceof Uint8Array, 'stdout is a Uint8Array')
  assert.ok(r.stderr instanceof Uint8Array, 'stderr is a Uint8Array')
  assert.equal(typeof r.exitCode, 'number')
  assert.equal(r.stdoutText, Buffer.from(r.stdout).toString('utf8'), 'stdoutText decodes stdout')
  assert.equal(r.stderrText, Buffer.from(r.stderr).toString('utf8'), 'stderrText decodes stderr')
  assert.deepEqual(asStrings(r), asStrings(g), `mirage vs GNU for: ${label(c)}`)
  assert.ok(Buffer.from(r.stdout).equals(g.stdout), 'stdout bytes')
  assert.ok(Buffer.from(r.stderr).equals(g.stderr), 'stderr bytes')
  // The literal expectations document the behaviour; they must agree with GNU too (this checks the harness).
  if ('stdout' in c) assert.equal(g.stdout.toString(), c.stdout, 'GNU stdout matches the documented output')
  if ('stderr' in c) assert.equal(g.stderr.toString(), c.stderr, 'GNU stderr matches the documented output')
  if ('exitCode' in c) assert.equal(g.exitCode, c.exitCode, 'GNU exit code matches the documented one')
}

// A mount root on an object store is only known to exist once listed, so a failed listing of an operand reads as
// GNU's "cannot access 'X'", with the cause after the path.
const LS_BUCKET_ERROR = (cause) =>
  new RegExp(`^ls: cannot access '/bucket/': .*${cause.source}.*\\n$`)

function assertNoSecrets(what, text, secrets) {
  const found = secretsIn(text, secrets)
  assert.deepEqual(found, [], `${what} must not contain credentials`)
}

// ---------------------------------------------------------------------------------------------------------------

let s3 // the s3s-fs server of this file
let gnu // GNU bash on a local copy of the same tree
const results = { backblaze: new Map(), ram: new Map(), disk: new Map() }

before(async () => {
  s3 = await startS3Server({ tree: TREE })
  gnu = await makeGnu({ '/bucket': TREE, '/tmp': {} })
})

after(async () => {
  await s3?.stop()
  gnu?.cleanup()
})

function b2Config(over = {}) {
  return {
    bucket: s3.bucket,
    region: 'us-east-1',
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    endpoint: s3.endpoint,
    timeoutMs: 10_000,
    ...over,
  }
}

function shellCases(kind, makeWorkspace) {
  describe(`${kind}: shell output is byte-identical to GNU bash/coreutils`, () => {
    let ws
    before(async () => {
      ws = await makeWorkspace()
    })
    after(async () => {
      await ws?.close()
    })

    for (const c of CASES) {
      it(label(c) + (c.note ? `  (${c.note})` : ''), async () => {
        const r = await ws.execute(c.cmd, c.opts)
        results[kind].set(label(c), asStrings(r))
        assertSameAsGnu(r, gnu.run(c.cmd, c.opts), c)
        assertNoSecrets('the output', Buffer.concat([r.stdout, r.stderr]), [s3.secretAccessKey, s3.accessKeyId])
      })
    }

    if (kind !== 'backblaze') {
      it('gives the same outputs as the Backblaze bucket for every case', () => {
        const differ = []
        for (const [k, v] of results[kind]) {
          const b = results.backblaze.get(k)
          if (b && !util.isDeepStrictEqual(v, b)) differ.push({ command: k, [kind]: v, backblaze: b })
        }
        assert.deepEqual(differ, [], `${kind} and backblaze disagree`)
      })
    }
  })
}

// 1. The bucket, over HTTP with SigV4.
shellCases('backblaze', async () => {
  const b2 = new BackblazeResource(b2Config())
  return new Workspace(
    { '/bucket/': b2, '/tmp/': new RAMResource() },
    { mode: MountMode.READ, modeOverrides: { '/tmp/': MountMode.WRITE } },
  )
})

// 2. The same tree in memory, written through ws.fs.
shellCases('ram', async () => {
  const ws = new Workspace({ '/bucket/': new RAMResource() }, { mode: MountMode.WRITE })
  const dirs = new Set()
  for (const key of Object.keys(TREE)) {
    const parts = key.split('/').slice(0, -1)
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'))
  }
  for (const d of [...dirs].sort()) await ws.fs.mkdir(`/bucket/${d}`)
  for (const [key, body] of Object.entries(TREE)) await ws.fs.writeFile(`/bucket/${key}`, Buffer.from(body))
  return ws
})

// 3. The same tree in a local folder.
let diskRoot
shellCases('disk', async () => {
  diskRoot = mkdtempSync(path.join(os.tmpdir(), 'mirage-disk-'))
  await writeTree(diskRoot, TREE)
  return new Workspace({ '/bucket/': new DiskResource({ root: diskRoot }) }, { mode: MountMode.READ })
})
after(() => {
  if (diskRoot) rmSync(diskRoot, { recursive: true, force: true })
})

// ---------------------------------------------------------------------------------------------------------------

describe('BackblazeResource configuration', () => {
  it('resolves the B2 endpoint from the region', () => {
    const b2 = new BackblazeResource({
      bucket: 'my-bucket',
      region: 'us-west-004',
      accessKeyId: 'K004example',
      secretAccessKey: 'K004secretexample',
    })
    assert.equal(b2.endpoint, 'https://s3.us-west-004.backblazeb2.com')
    assert.equal(b2.kind, 'backblaze')
  })

  it('uses an explicit endpoint as given', () => {
    const b2 = new BackblazeResource(b2Config())
    assert.equal(b2.endpoint, s3.endpoint)
  })

  it('exposes the endpoint read-only', () => {
    const b2 = new BackblazeResource(b2Config({ endpoint: undefined, region: 'eu-central-003' }))
    assert.throws(() => {
      b2.endpoint = 'https://evil.example'
    }, TypeError)
    assert.equal(b2.endpoint, 'https://s3.eu-central-003.backblazeb2.com')
  })

  it('rejects a region that would change the endpoint host', () => {
    let err
    assert.throws(
      () => new BackblazeResource(b2Config({ endpoint: undefined, region: 'x@127.0.0.1:8080/#' })),
      (e) => {
        err = e
        return e instanceof Error && /region/i.test(e.message)
      },
    )
    assertNoSecrets('the thrown error', `${err.message}\n${err.stack}\n${util.inspect(err)}`, [s3.secretAccessKey, s3.accessKeyId])
  })

  it('rejects a config without a bucket, without echoing the credentials', () => {
    const { bucket, ...noBucket } = b2Config()
    let err
    assert.throws(
      () => new BackblazeResource(noBucket),
      (e) => {
        err = e
        return e instanceof Error
      },
    )
    assertNoSecrets('the thrown error', `${err.message}\n${util.inspect(err)}`, [s3.secretAccessKey, s3.accessKeyId])
  })

  it('never shows its credentials in util.inspect or JSON.stringify', () => {
    const b2 = new BackblazeResource(b2Config())
    const ws = new Workspace({ '/bucket/': b2 }, { mode: 'read' })
    const views = [
      util.inspect(b2, { showHidden: true, depth: Infinity, getters: true }),
      JSON.stringify(b2) ?? '',
      String(b2),
      util.inspect(ws, { showHidden: true, depth: 6 }),
      util.inspect(ws.mounts(), { showHidden: true, depth: 6 }),
    ]
    for (const v of views) assertNoSecrets(`"${v.slice(0, 60)}..."`, v, [s3.secretAccessKey, s3.accessKeyId])
  })
})

describe('S3Resource on the same server', () => {
  it('keyPrefix shows only the keys under it, with paths relative to it', async () => {
    const s3r = new S3Resource({
      bucket: s3.bucket,
      region: 'us-east-1',
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      keyPrefix: 'dir/',
    })
    assert.equal(s3r.kind, 's3')
    const ws = new Workspace({ '/s3/': s3r }, { mode: MountMode.READ })
    const ls = await ws.execute('ls /s3/ && cat /s3/sub/c.jsonl')
    assert.deepEqual(asStrings(ls), { stdout: 'b.jsonl\nsub\n{"id":3}\n', stderr: '', exitCode: 0 })
    const outside = await ws.execute('cat /s3/a.txt')
    assert.deepEqual(asStrings(outside), {
      stdout: '',
      stderr: 'cat: /s3/a.txt: No such file or directory\n',
      exitCode: 1,
    })
    await ws.close()
  })
})

describe('errors a user can run into', () => {
  it('a wrong secret: ls and cat say SignatureDoesNotMatch, exit non-zero, and leak nothing', async () => {
    const wrongSecret = `wrongSecret/${Math.random().toString(36).slice(2)}XYZ`
    const b2 = new BackblazeResource(b2Config({ secretAccessKey: wrongSecret }))
    const ws = new Workspace({ '/bucket/': b2 }, { mode: MountMode.READ })
    const secrets = [wrongSecret, s3.secretAccessKey, s3.accessKeyId]

    const ls = await ws.execute('ls /bucket/')
    assert.equal(ls.stdoutText, '')
    assert.match(ls.stderrText, LS_BUCKET_ERROR(/SignatureDoesNotMatch/))
    assert.equal(ls.exitCode, 2) // GNU ls: "serious trouble" with a command-line argument

    const cat = await ws.execute('cat /bucket/a.txt')
    assert.equal(cat.stdoutText, '')
    assert.match(cat.stderrText, /^cat: \/bucket\/a\.txt: .*SignatureDoesNotMatch.*\n$/)
    assert.equal(cat.exitCode, 1)

    for (const r of [ls, cat]) {
      assertNoSecrets('stdout', r.stdout, secrets)
      assertNoSecrets('stderr', r.stderr, secrets)
    }
    assertNoSecrets('util.inspect(resource)', util.inspect(b2, { showHidden: true, depth: Infinity }), secrets)
    assertNoSecrets('JSON.stringify(resource)', JSON.stringify(b2) ?? '', secrets)
    await ws.close()
  })

  it('an unknown bucket: GNU-shaped error naming NoSuchBucket', async () => {
    const ws = new Workspace({ '/bucket/': new BackblazeResource(b2Config({ bucket: 'no-such-bucket' })) }, { mode: 'read' })
    const r = await ws.execute('ls /bucket/')
    assert.match(r.stderrText, LS_BUCKET_ERROR(/NoSuchBucket/))
    assert.equal(r.exitCode, 2)
    await ws.close()
  })

  it('an unreachable endpoint: GNU-shaped error, non-zero exit, the promise resolves', async () => {
    const closedPort = await freePort() // nothing listens there
    const b2 = new BackblazeResource(b2Config({ endpoint: `http://127.0.0.1:${closedPort}`, timeoutMs: 3000 }))
    const ws = new Workspace({ '/bucket/': b2 }, { mode: 'read' })

    const ls = await ws.execute('ls /bucket/')
    assert.match(ls.stderrText, LS_BUCKET_ERROR(/.+/))
    assert.match(ls.stderrText, /connect|refused/i)
    assert.equal(ls.exitCode, 2)

    const cat = await ws.execute('cat /bucket/a.txt')
    assert.match(cat.stderrText, /^cat: \/bucket\/a\.txt: .+\n$/)
    assert.equal(cat.exitCode, 1)
    for (const r of [ls, cat]) assertNoSecrets('stderr', r.stderr, [s3.secretAccessKey, s3.accessKeyId])
    await ws.close()
  })

  it('a write to a READ mount is refused like a read-only file system', async () => {
    const ws = new Workspace(
      { '/bucket/': new BackblazeResource(b2Config()), '/tmp/': new RAMResource() },
      { mode: MountMode.READ, modeOverrides: { '/tmp/': 'write' } },
    )
    const r = await ws.execute('echo x > /bucket/f')
    assert.equal(r.stdoutText, '')
    assert.equal(r.stderrText, 'bash: line 1: /bucket/f: Read-only file system\n')
    assert.equal(r.exitCode, 1)
    assert.equal(existsSync(path.join(s3.bucketDir, 'f')), false, 'nothing was written to the bucket')

    // ... while the WRITE RAM mount next to it accepts the same command.
    const w = await ws.execute('echo x > /tmp/f && cat /tmp/f')
    assert.deepEqual(asStrings(w), { stdout: 'x\n', stderr: '', exitCode: 0 })
    assert.equal(await ws.fs.readFileText('/tmp/f'), 'x\n')
    await ws.close()
  })

  it('execute on a closed workspace rejects (misuse), close is idempotent', async () => {
    const ws = new Workspace({ '/tmp/': new RAMResource() }, { mode: 'write' })
    assert.equal((await ws.execute('echo hi')).stdoutText, 'hi\n')
    await ws.close()
    await ws.close()
    let p
    assert.doesNotThrow(() => {
      p = ws.execute('echo hi')
    }, 'execute() returns a rejected promise instead of throwing synchronously')
    await assert.rejects(p, /closed/i)
  })

  it('an already-aborted signal rejects', async () => {
    const ws = new Workspace({ '/tmp/': new RAMResource() }, { mode: 'write' })
    let p
    assert.doesNotThrow(() => {
      p = ws.execute('echo hi', { signal: AbortSignal.abort() })
    }, 'execute() returns a rejected promise instead of throwing synchronously')
    await assert.rejects(p, /abort/i)
    await ws.close()
  })

  it('a failing command resolves with its exit code instead of rejecting', async () => {
    const ws = new Workspace({ '/bucket/': new BackblazeResource(b2Config()) }, { mode: 'read' })
    const r = await ws.execute('cat /bucket/missing.txt')
    assert.equal(r.exitCode, 1)
    assert.equal(r.stderrText, 'cat: /bucket/missing.txt: No such file or directory\n')
    await ws.close()
  })
})

describe('Workspace state and ws.fs', () => {
  it('cd persists in ws.cwd between execute calls; the cwd option does not', async () => {
    const ws = new Workspace({ '/bucket/': new BackblazeResource(b2Config()) }, { mode: 'read' })
    assert.equal(ws.cwd, '/')
    await ws.execute('cd /bucket/dir')
    assert.equal(ws.cwd, '/bucket/dir')
    assert.equal((await ws.execute('cat b.jsonl | wc -l')).stdoutText, '2\n')
    assert.equal((await ws.execute('pwd', { cwd: '/bucket/logs' })).stdoutText, '/bucket/logs\n')
    assert.equal(ws.cwd, '/bucket/dir')
    await ws.close()
  })

  it('env option is visible to the command', async () => {
    const ws = new Workspace({ '/tmp/': new RAMResource() }, { mode: 'write' })
    const r = await ws.execute('echo "$GREETING, $WHO"', { env: { GREETING: 'hello', WHO: 'b2' } })
    assert.equal(r.stdoutText, 'hello, b2\n')
    await ws.close()
  })

  it('ws.fs reads the bucket', async () => {
    const ws = new Workspace({ '/bucket/': new BackblazeResource(b2Config()) }, { mode: 'read' })
    assert.equal(await ws.fs.readFileText('/bucket/a.txt'), 'hello a.txt\n')
    assert.deepEqual(Buffer.from(await ws.fs.readFile('/bucket/ünïcødé/日本語.txt')), Buffer.from(TREE['ünïcødé/日本語.txt']))
    assert.equal(await ws.fs.exists('/bucket/a.txt'), true)
    assert.equal(await ws.fs.exists('/bucket/missing.txt'), false)
    await ws.close()
  })
})
