// The rest of the Workspace API: sessions, history, records, stats, mounts at run time, the prompt.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { startS3Server } from './helpers/s3server.mjs'

const require = createRequire(import.meta.url)
const { Workspace, RAMResource, BackblazeResource } = require('../index.js')

let s3
before(async () => {
  s3 = await startS3Server({ tree: { 'logs/a.log': 'INFO a\nERROR b\n', 'logs/b.log': 'ERROR c\n', 'readme.txt': 'hello\n' } })
})
after(async () => {
  await s3?.stop()
})

function bucket() {
  return new BackblazeResource({
    bucket: s3.bucket,
    region: 'us-east-1',
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    endpoint: s3.endpoint,
  })
}

describe('sessions', () => {
  it('each session keeps its own cwd and env; the cwd/env options fork and do not persist', async () => {
    const ws = new Workspace({ '/bucket/': bucket(), '/tmp/': new RAMResource() }, { mode: 'read' })
    ws.createSession('agent1')
    ws.createSession('agent2')
    await ws.execute('cd /bucket/logs; export WHO=one', { sessionId: 'agent1' })
    await ws.execute('cd /tmp', { sessionId: 'agent2' })
    assert.equal((await ws.execute('pwd; echo $WHO', { sessionId: 'agent1' })).stdoutText, '/bucket/logs\none\n')
    assert.equal((await ws.execute('pwd; echo "[$WHO]"', { sessionId: 'agent2' })).stdoutText, '/tmp\n[]\n')
    assert.equal((await ws.execute('cd /; pwd', { sessionId: 'agent1', cwd: '/tmp' })).stdoutText, '/\n')
    assert.equal(ws.getSession('agent1').cwd, '/bucket/logs')
    assert.deepEqual(ws.listSessions().map((s) => s.sessionId), ['agent1', 'agent2', 'default'])
    await ws.closeSession('agent2')
    await assert.rejects(ws.execute('pwd', { sessionId: 'agent2' }), /unknown session: agent2/)
    assert.throws(() => ws.createSession('agent1'), /already exists/)
    await assert.rejects(ws.closeSession('default'), /default session cannot be closed/)
    await ws.closeAllSessions()
    assert.deepEqual(ws.listSessions().map((s) => s.sessionId), ['default'])
  })

  it('a session with allowedMounts gets exit 1 and a clear message on any other mount', async () => {
    const ws = new Workspace({ '/bucket/': bucket(), '/tmp/': new RAMResource() }, { mode: 'write' })
    ws.createSession('agent', { allowedMounts: new Set(['/tmp/']) })
    const denied = await ws.execute('cat /bucket/readme.txt', { sessionId: 'agent' })
    assert.equal(denied.exitCode, 1)
    assert.equal(denied.stderrText, "cat: /bucket/readme.txt: Permission denied (this session may not use the mount /bucket/)\n")
    assert.equal(denied.stats.requests, 0, 'nothing was sent to the bucket')
    const ok = await ws.execute('echo hi > /tmp/x; cat /tmp/x; ls /', { sessionId: 'agent' })
    assert.equal(ok.stdoutText, 'hi\ntmp\n')
    assert.deepEqual(ws.getSession('agent').allowedMounts, ['/tmp/'])
    assert.equal((await ws.execute('cat /bucket/readme.txt')).stdoutText, 'hello\n', 'the default session is not limited')
  })

  it('50 concurrent calls across 5 sessions each get their own output', async () => {
    const ws = new Workspace({ '/bucket/': bucket(), '/tmp/': new RAMResource() }, { mode: 'write' })
    const ids = ['s0', 's1', 's2', 's3', 's4']
    for (const id of ids) ws.createSession(id)
    await Promise.all(ids.map((id, i) => ws.execute(`cd ${i % 2 ? '/bucket/logs' : '/tmp'}; export N=${id}`, { sessionId: id })))
    const calls = []
    for (let k = 0; k < 50; k++) {
      const id = ids[k % 5]
      calls.push(ws.execute(`echo "$N $(pwd) ${k}"`, { sessionId: id }).then((r) => [id, k, r.stdoutText]))
    }
    for (const [id, k, out] of await Promise.all(calls)) {
      const i = ids.indexOf(id)
      assert.equal(out, `${id} ${i % 2 ? '/bucket/logs' : '/tmp'} ${k}\n`)
    }
  })
})

describe('history, records and stats', () => {
  it('history keeps command, session, exit code and timing, bounded by historyLimit; noHistory skips', async () => {
    const ws = new Workspace({ '/tmp/': new RAMResource() }, { historyLimit: 2 })
    await ws.execute('echo one')
    await ws.execute('false')
    await ws.execute('echo secret-ish', { noHistory: true })
    await ws.execute('echo three')
    const h = ws.history.entries()
    assert.deepEqual(h.map((e) => [e.command, e.exitCode, e.sessionId]), [['false', 1, 'default'], ['echo three', 0, 'default']])
    assert.ok(h.every((e) => e.durationMs >= 0 && e.timestamp > 0))
    ws.history.clear()
    assert.deepEqual(ws.history.entries(), [])
  })

  it('every result carries its requests and bytes; records list each operation', async () => {
    const ws = new Workspace({ '/bucket/': bucket() })
    const r = await ws.execute('cat /bucket/logs/a.log')
    assert.equal(r.stdoutText, 'INFO a\nERROR b\n')
    assert.equal(r.stats.get, 1)
    assert.equal(r.stats.bytesDown, 15)
    assert.equal(r.stats.bytesUp, 0)
    const l = await ws.execute('ls /bucket/logs')
    assert.equal(l.stats.list, 1)
    assert.equal(l.stats.get, 0)
    const reads = ws.records.filter((x) => x.op === 'read')
    assert.deepEqual(reads.map((x) => [x.path, x.bytes, x.source]), [['/bucket/logs/a.log', 15, 'backblaze']])
    const local = await new Workspace({ '/tmp/': new RAMResource() }, { mode: 'write' }).execute('echo x > /tmp/f; cat /tmp/f')
    assert.equal(local.stats.requests, 0, 'RAM operations are not network requests')
  })
})

describe('mounts at run time and the prompt', () => {
  it('addMount, mount(path), unmount', async () => {
    const ws = new Workspace({ '/tmp/': new RAMResource() }, { mode: 'write' })
    const m = ws.addMount('/bucket/', bucket())
    assert.deepEqual(m, { prefix: '/bucket/', mode: 'read', kind: 'backblaze' })
    assert.equal((await ws.execute('cat /bucket/readme.txt')).stdoutText, 'hello\n')
    assert.deepEqual(ws.mount('/bucket/logs/a.log'), { prefix: '/bucket/', mode: 'read', kind: 'backblaze' })
    assert.equal(ws.mount('/nowhere'), null)
    assert.throws(() => ws.addMount('/bucket', new RAMResource()), /already mounted/)
    await ws.unmount('/bucket/')
    const r = await ws.execute('ls /bucket')
    assert.equal(r.exitCode, 2)
    assert.equal(r.stderrText, "ls: cannot access '/bucket': No such file or directory\n")
  })

  it('filePrompt names each mount, its kind and mode', () => {
    const ws = new Workspace({ '/bucket/': bucket(), '/tmp/': new RAMResource() }, { modeOverrides: { '/tmp/': 'write' } })
    const p = ws.filePrompt
    assert.match(p, /^- \/bucket\/ : a Backblaze B2 bucket \(remote\), read-only\.$/m)
    assert.match(p, /^- \/tmp\/ : an in-memory folder, read-write\.$/m)
    assert.match(p, /Remote mounts cost a request/)
  })
})

describe('S3-compatible presets', () => {
  const keys = { bucket: 'bkt', accessKeyId: 'AKIDPRESET', secretAccessKey: 'SECRETPRESET' }
  const m = require('../index.js')

  it('derive their endpoints from their options', () => {
    const cases = [
      [new m.R2Resource({ ...keys, accountId: 'acct123' }), 'r2', 'https://acct123.r2.cloudflarestorage.com'],
      [new m.WasabiResource({ ...keys }), 'wasabi', 'https://s3.wasabisys.com'],
      [new m.WasabiResource({ ...keys, region: 'eu-central-1' }), 'wasabi', 'https://s3.eu-central-1.wasabisys.com'],
      [new m.DigitalOceanResource({ ...keys, region: 'nyc3' }), 'digitalocean', 'https://nyc3.digitaloceanspaces.com'],
      [new m.GCSResource({ ...keys }), 'gcs', 'https://storage.googleapis.com'],
      [new m.OCIResource({ ...keys, namespace: 'ns', region: 'us-ashburn-1' }), 'oci', 'https://ns.compat.objectstorage.us-ashburn-1.oci.customer-oci.com'],
      [new m.TencentResource({ ...keys, region: 'ap-beijing' }), 'tencent', 'https://cos.ap-beijing.myqcloud.com'],
      [new m.AliyunResource({ ...keys, region: 'cn-hangzhou' }), 'aliyun', 'https://s3.oss-cn-hangzhou.aliyuncs.com'],
      [new m.ScalewayResource({ ...keys, region: 'fr-par' }), 'scaleway', 'https://s3.fr-par.scw.cloud'],
      [new m.QingStorResource({ ...keys, region: 'pek3b' }), 'qingstor', 'https://s3.pek3b.qingstor.com'],
      [new m.MinIOResource({ ...keys, endpoint: 'http://127.0.0.1:9000' }), 'minio', 'http://127.0.0.1:9000'],
      [new m.SeaweedFSResource({ ...keys, endpoint: 'http://127.0.0.1:8333' }), 'seaweedfs', 'http://127.0.0.1:8333'],
      [new m.CephResource({ ...keys, endpoint: 'http://127.0.0.1:7480' }), 'ceph', 'http://127.0.0.1:7480'],
    ]
    for (const [r, kind, endpoint] of cases) {
      assert.equal(r.kind, kind)
      assert.equal(r.endpoint, endpoint)
      assert.ok(!JSON.stringify(r).includes('SECRETPRESET') && !JSON.stringify(r).includes('AKIDPRESET'))
    }
    assert.throws(() => new m.R2Resource({ ...keys }), /requires accountId or endpoint/)
    assert.throws(() => new m.DigitalOceanResource({ ...keys, region: 'x@127.0.0.1:8080/#' }), /invalid region/)
  })

  it('mount and run like any bucket (MinIO preset at the local server)', async () => {
    const minio = new m.MinIOResource({ bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, endpoint: s3.endpoint })
    const ws = new Workspace({ '/m/': minio })
    assert.equal((await ws.execute('cat /m/readme.txt')).stdoutText, 'hello\n')
    assert.deepEqual(ws.mounts(), [{ prefix: '/m/', mode: 'read', kind: 'minio' }])
    assert.throws(() => new Workspace({ '/x/': { not: 'a resource' } }), /mount \/x\/: expected a resource/)
  })
})

describe('executeStream', () => {
  it('output arrives while the command runs; exitCode settles at the end', async () => {
    const ws = new Workspace({ '/tmp/': new RAMResource() }, { mode: 'write' })
    let release
    const gate = new Promise((r) => (release = r))
    ws.command('wait-for-test', async () => {
      await gate
      return { stdout: 'second\n' }
    })
    const s = ws.executeStream('echo first; wait-for-test; echo oops >&2; exit 4')
    const reader = s.stdout.getReader()
    const first = await reader.read()
    assert.equal(Buffer.from(first.value).toString(), 'first\n')
    const settled = await Promise.race([s.exitCode.then(() => 'settled'), new Promise((r) => setTimeout(() => r('running'), 100))])
    assert.equal(settled, 'running', 'the first chunk came before the command ended')
    release()
    let rest = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      rest += Buffer.from(value).toString()
    }
    assert.equal(rest, 'second\n')
    let err = ''
    for await (const c of s.stderr) err += Buffer.from(c).toString()
    assert.equal(err, 'oops\n')
    assert.equal(await s.exitCode, 4)
  })

  it('a consumer that stops reading stops the command (back-pressure, then a closed pipe)', async () => {
    const ws = new Workspace({ '/tmp/': new RAMResource() })
    const s = ws.executeStream('while true; do echo y; done')
    let chunks = 0
    for await (const _ of s.stdout) if (++chunks === 3) break
    assert.equal(await s.exitCode, 141)
  })

  it('rejects like execute on misuse', async () => {
    const ws = new Workspace({ '/tmp/': new RAMResource() })
    await assert.rejects(ws.executeStream('echo', { sessionId: 'nope' }).exitCode, /unknown session/)
  })
})

describe('command safeguards', () => {
  const { CommandSafeguard } = require('../index.js')
  const lines = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n'

  async function ramWith(safeguards) {
    const ws = new Workspace({ '/data/': new RAMResource() }, { mode: 'write', commandSafeguards: safeguards })
    await ws.fs.writeFile('/data/ten.txt', lines)
    return ws
  }

  it('by default GNU output is complete', async () => {
    const ws = await ramWith(undefined)
    assert.equal((await ws.execute('cat /data/ten.txt')).stdoutText, lines)
  })

  it('maxLines truncates with a notice on stderr; the pipe downstream still works', async () => {
    const ws = await ramWith({ '/data/': { cat: new CommandSafeguard({ maxLines: 3 }) } })
    const r = await ws.execute('cat /data/ten.txt')
    assert.equal(r.stdoutText, 'line 1\nline 2\nline 3\n')
    assert.equal(r.exitCode, 0)
    assert.match(r.stderrText, /^mirage: output of cat truncated at the safeguard of 3 lines for \/data\/; narrow with grep/)
    assert.equal((await ws.execute('cat /data/ten.txt | wc -l')).stdoutText, '3\n')
    assert.equal((await ws.execute('head -n 5 /data/ten.txt | wc -l')).stdoutText, '5\n', 'other commands are not capped')
  })

  it("onExceed: 'error' fails the command with no output; under the cap everything passes", async () => {
    const ws = await ramWith({ '/data/': { cat: { maxBytes: 20, onExceed: 'error' } } })
    const r = await ws.execute('cat /data/ten.txt')
    assert.equal(r.stdoutText, '')
    assert.equal(r.exitCode, 1)
    assert.equal(r.stderrText, 'cat: output exceeds the safeguard of 20 bytes for /data/\n')
    await ws.fs.writeFile('/data/small.txt', 'tiny\n')
    assert.equal((await ws.execute('cat /data/small.txt')).stdoutText, 'tiny\n')
  })

  it('timeoutSeconds stops the command with exit 124', async () => {
    const ws = new Workspace({ '/data/': new RAMResource() }, { commandSafeguards: { '/data/': { slow: new CommandSafeguard({ timeoutSeconds: 0.2 }) } } })
    ws.command('slow', () => new Promise((r) => setTimeout(() => r({ stdout: 'late\n' }), 2000)))
    const t0 = Date.now()
    const r = await ws.execute('cd /data && slow')
    assert.equal(r.exitCode, 124)
    assert.equal(r.stderrText, 'slow: timed out after 0.2s\n')
    assert.ok(Date.now() - t0 < 1500, 'returned at the deadline')
  })

  it('an unknown mount prefix or a bad option throws', () => {
    assert.throws(() => new Workspace({ '/data/': new RAMResource() }, { commandSafeguards: { '/nope/': { cat: {} } } }), /nothing is mounted at \/nope\//)
    assert.throws(() => new CommandSafeguard({ onExceed: 'explode' }), /onExceed must be/)
  })
})

describe('snapshots', () => {
  it('snapshot writes a tar; load restores RAM files, sessions and modes, and asks for remote mounts again', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dir = mkdtempSync(join(tmpdir(), 'mirage-snap-'))
    try {
      const ws = new Workspace({ '/bucket/': bucket(), '/tmp/': new RAMResource() }, { modeOverrides: { '/tmp/': 'write' } })
      await ws.execute('mkdir /tmp/d 2>/dev/null; echo hello > /tmp/a.txt; cd /bucket/logs; export TEAM=blue')
      await ws.fs.mkdir('/tmp/d').catch(() => {})
      await ws.fs.writeFile('/tmp/d/b.txt', 'inner\n')
      ws.createSession('agent', { allowedMounts: ['/tmp/'] })
      await ws.execute('cd /tmp/d', { sessionId: 'agent' })
      const file = join(dir, 'ws.tar')
      const size = await ws.snapshot(file)
      assert.equal(size, readFileSync(file).length)
      assert.ok(!readFileSync(file).toString('latin1').includes(s3.secretAccessKey), 'no secret in the snapshot')
      assert.ok(!readFileSync(file).toString('latin1').includes(s3.accessKeyId), 'no key id in the snapshot')

      await assert.rejects(Workspace.load(file), /pass them again in overrides: \/bucket\//)

      const back = await Workspace.load(file, {}, { '/bucket/': bucket() })
      assert.equal((await back.execute('cat /tmp/a.txt /tmp/d/b.txt')).stdoutText, 'hello\ninner\n')
      assert.equal((await back.execute('pwd; echo $TEAM')).stdoutText, '/bucket/logs\nblue\n')
      assert.equal((await back.execute('pwd', { sessionId: 'agent' })).stdoutText, '/tmp/d\n')
      assert.equal((await back.execute('cat /bucket/readme.txt', { sessionId: 'agent' })).exitCode, 1, 'allowedMounts survive')
      assert.deepEqual(back.mounts(), ws.mounts())
      const fromBytes = await Workspace.load(readFileSync(file), {}, { '/bucket/': bucket() })
      assert.equal((await fromBytes.execute('cat /tmp/a.txt')).stdoutText, 'hello\n')
      await assert.rejects(Workspace.load(new Uint8Array([1, 2, 3])), /not a workspace snapshot/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('ws.fs helpers', () => {
  it('isDir, isFile, rmdir, cat, listFiles', async () => {
    const ws = new Workspace({ '/bucket/': bucket(), '/tmp/': new RAMResource() }, { modeOverrides: { '/tmp/': 'write' } })
    assert.equal(await ws.fs.isDir('/bucket/logs'), true)
    assert.equal(await ws.fs.isFile('/bucket/logs'), false)
    assert.equal(await ws.fs.isFile('/bucket/readme.txt'), true)
    assert.equal(await ws.fs.isDir('/bucket/nope'), false)
    assert.equal(await ws.fs.cat('/bucket/readme.txt'), 'hello\n')
    assert.deepEqual(await ws.fs.listFiles('/bucket/logs'), ['/bucket/logs/a.log', '/bucket/logs/b.log'])
    await ws.fs.mkdir('/tmp/d')
    await ws.fs.rmdir('/tmp/d')
    assert.equal(await ws.fs.exists('/tmp/d'), false)
    await assert.rejects(ws.fs.rmdir('/bucket/logs'), /EROFS/)
  })
})
