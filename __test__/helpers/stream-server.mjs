// Child process for stream-memory.test.mjs: serves `cat` of one object through ws.executeStream to an HTTP client on
// 127.0.0.1, then reports its own peak RSS (VmHWM). Arguments come as JSON in argv[2].
import http from 'node:http'
import { readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Workspace, BackblazeResource } = require('../../index.js')
const cfg = JSON.parse(process.argv[2])

const ws = new Workspace({ '/bucket/': new BackblazeResource(cfg.resource) })
const server = http.createServer(async (req, res) => {
  const run = ws.executeStream(`cat /bucket/${cfg.key}`)
  res.writeHead(200, { 'content-type': 'application/octet-stream' })
  Readable.fromWeb(run.stdout).pipe(res)
  const code = await run.exitCode
  process.send?.({ exitCode: code })
})
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }))
process.on('message', (m) => {
  if (m === 'rss') {
    // VmHWM, not resourceUsage().maxRSS: Linux carries the parent's peak over fork+exec into the latter.
    const hwm = Number(readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+)/)[1])
    process.send?.({ maxRssKb: hwm })
    server.close()
    setTimeout(() => process.exit(0), 10).unref()
  }
})
