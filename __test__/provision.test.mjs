// Provision: a dry run estimates what a command costs; its figures are checked against what a real run then
// sends, counted through a proxy on 127.0.0.1. A dry run never sends a GET, PUT, COPY or DELETE.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { startS3Server } from './helpers/s3server.mjs'
import { startFaultProxy } from './helpers/faultproxy.mjs'

const require = createRequire(import.meta.url)
const { Workspace, BackblazeResource } = require('../index.js')

const big = Array.from({ length: 20000 }, (_, i) => `${i % 7 ? 'INFO' : 'ERROR'} line ${i}`).join('\n') + '\n'
const tree = { 'big.log': big, 'logs/a.log': 'ERROR a\nINFO b\n', 'logs/b.log': 'INFO c\n', 'notes.txt': 'hello\n' }

let s3
let proxy
let ws
before(async () => {
  s3 = await startS3Server({ tree })
  proxy = await startFaultProxy({ upstream: s3.endpoint, seed: 1, rate: 0, s3sFsDataDir: s3.dataDir })
  const b2 = new BackblazeResource({
    bucket: s3.bucket,
    region: 'us-east-1',
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    endpoint: proxy.endpoint,
  })
  ws = new Workspace({ '/bucket/': b2 }, { mode: 'write' })
})
after(async () => {
  await proxy?.stop()
  await s3?.stop()
})

/** Requests the proxy saw while `fn` ran, by kind. */
async function counted(fn) {
  proxy.resetStats()
  const value = await fn()
  const log = proxy.log()
  const kinds = { list: 0, head: 0, get: 0, fullGet: 0, put: 0, delete: 0, copy: 0, post: 0 }
  for (const r of log) {
    if (r.method === 'GET' && r.url.includes('list-type=2')) kinds.list++
    else if (r.method === 'GET') {
      kinds.get++
      if (!r.range) kinds.fullGet++
    } else if (r.method === 'HEAD') kinds.head++
    else if (r.method === 'PUT' && r.headerNames.includes('x-amz-copy-source')) kinds.copy++
    else if (r.method === 'PUT') kinds.put++
    else if (r.method === 'DELETE') kinds.delete++
    else if (r.method === 'POST') kinds.post++
  }
  return { value, kinds }
}

const bigSize = Buffer.byteLength(big)

describe('provision', () => {
  it('wc -c: metadata only, exact, and the real run sends no GET', async () => {
    const { value: p, kinds } = await counted(() => ws.provision('wc -c /bucket/big.log'))
    assert.equal(kinds.get, 0)
    assert.deepEqual([p.networkReadLow, p.networkReadHigh, p.readOps, p.precision], [0, 0, 0, 'exact'])
    const { value: r, kinds: real } = await counted(() => ws.execute('wc -c /bucket/big.log'))
    assert.equal(r.stdoutText, `${bigSize} /bucket/big.log\n`)
    assert.equal(real.get, 0)
  })

  it('cat: exact bytes and one GET, as the real run does', async () => {
    const { value: p, kinds } = await counted(() => ws.execute('cat /bucket/big.log', { provision: true }))
    assert.equal(kinds.get, 0, 'the dry run sent no GET')
    assert.deepEqual([p.networkReadLow, p.networkReadHigh, p.readOps, p.precision], [bigSize, bigSize, 1, 'exact'])
    assert.ok(p.estimatedCostUsd > 0)
    const { value: r, kinds: real } = await counted(() => ws.execute('cat /bucket/big.log'))
    assert.equal(r.stdout.length, bigSize)
    assert.equal(real.get, p.readOps)
    assert.equal(r.stats.bytesDown, p.networkReadHigh)
  })

  it('head -n 5: a range from the first ranged read to the whole object, and the real run stays inside it', async () => {
    const { value: p } = await counted(() => ws.provision('head -n 5 /bucket/big.log'))
    assert.equal(p.precision, 'range')
    assert.equal(p.readOps, 1)
    assert.equal(p.networkReadHigh, bigSize)
    const { value: r } = await counted(() => ws.execute('head -n 5 /bucket/big.log'))
    assert.equal(r.stdoutText, big.split('\n').slice(0, 5).join('\n') + '\n')
    assert.ok(r.stats.bytesDown <= p.networkReadHigh, `${r.stats.bytesDown} <= ${p.networkReadHigh}`)
  })

  it('grep -r: one walk, then every file read, exactly as the real run', async () => {
    const { value: p, kinds } = await counted(() => ws.provision('grep -r ERROR /bucket/logs'))
    assert.equal(kinds.get, 0)
    assert.deepEqual([p.readOps, p.networkReadHigh, p.precision], [2, 'ERROR a\nINFO b\n'.length + 'INFO c\n'.length, 'exact'])
    const { value: r, kinds: real } = await counted(() => ws.execute('grep -r ERROR /bucket/logs'))
    assert.equal(r.stdoutText, '/bucket/logs/a.log:ERROR a\n')
    assert.equal(real.get, p.readOps)
    assert.equal(r.stats.bytesDown, p.networkReadHigh)
  })

  it('rm and cp are estimated without any write request', async () => {
    const { value: p, kinds } = await counted(() => ws.provision('cp /bucket/notes.txt /bucket/copy.txt; rm /bucket/notes.txt'))
    assert.deepEqual([kinds.put, kinds.delete, kinds.copy, kinds.post, kinds.get], [0, 0, 0, 0, 0])
    assert.equal(p.children.length, 2)
    assert.equal(p.writeOps, 2)
    assert.equal((await ws.execute('cat /bucket/notes.txt')).stdoutText, 'hello\n', 'nothing was deleted')
    assert.equal((await ws.execute('ls /bucket/copy.txt')).exitCode, 2, 'nothing was copied')
  })

  it('a command substitution makes the estimate unknown instead of running it', async () => {
    const { value: p, kinds } = await counted(() => ws.provision('cat $(echo /bucket/notes.txt)'))
    assert.equal(p.precision, 'unknown')
    assert.equal(kinds.get, 0)
  })
})
