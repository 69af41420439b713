// executeStream with back-pressure: `cat` of a large object streamed to a slow HTTP client keeps the server's memory
// flat (it never holds the object), measured as the peak RSS of a separate server process.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { fork } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startS3Server } from './helpers/s3server.mjs'

const SIZE = 256 * 1024 * 1024

let s3
before(async () => {
  s3 = await startS3Server({ tree: {} })
  const chunk = Buffer.alloc(1024 * 1024, 'abcdefghij\n')
  const parts = []
  for (let i = 0; i < SIZE / chunk.length; i++) parts.push(chunk)
  writeFileSync(join(s3.bucketDir, 'big.bin'), Buffer.concat(parts))
})
after(async () => {
  await s3?.stop()
})

describe('executeStream memory', () => {
  it('a 256 MiB cat streamed to a client that pauses keeps peak RSS far below the object size', { timeout: 120_000 }, async () => {
    const child = fork(join(import.meta.dirname, 'helpers', 'stream-server.mjs'), [
      JSON.stringify({
        key: 'big.bin',
        resource: { bucket: s3.bucket, region: 'us-east-1', accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, endpoint: s3.endpoint },
      }),
    ])
    try {
      const [{ port }] = await once(child, 'message')
      let received = 0
      await new Promise((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/' }, (res) => {
            res.on('data', (d) => {
              received += d.length
              // A slow client: stop reading for a second after the first few MiB.
              if (received > 4 * 1024 * 1024 && received - d.length <= 4 * 1024 * 1024) {
                res.pause()
                setTimeout(() => res.resume(), 1000)
              }
            })
            res.on('end', resolve)
            res.on('error', reject)
          })
          .on('error', reject)
      })
      assert.equal(received, SIZE, 'every byte arrived')
      child.send('rss')
      let maxRssKb
      for (;;) {
        const [m] = await once(child, 'message')
        if (m.maxRssKb) {
          maxRssKb = m.maxRssKb
          break
        }
      }
      const mb = maxRssKb / 1024
      console.log(`# peak RSS of the server while streaming 256 MiB: ${mb.toFixed(0)} MB`)
      assert.ok(mb < 160, `peak RSS ${mb.toFixed(0)} MB should stay far below the 256 MiB object`)
    } finally {
      child.kill()
    }
  })
})
