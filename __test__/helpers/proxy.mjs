// A counting HTTP proxy on 127.0.0.1 in front of the S3 server, for tests and the benchmark: it forwards every
// request unchanged (the Host header too, so SigV4 signatures still verify) and records what crossed it.
//
//   const proxy = await startCountingProxy(s3.port)        // endpoint: proxy.endpoint
//   proxy.reset(); await ws.execute('head -n 5 /b/big.log'); proxy.stats()
//     -> { requests, byKind: { GET: 1, HEAD: 0, LIST: 0, ... }, bytes, log: [{ kind, path, range, status, bytes }], maxInflight }
//   await proxy.stop()
//
// `bytes` counts response-body bytes read from the server. When a client hangs up early (a cancelled download), the
// proxy stops reading from the server too, so `bytes` is what the server really sent (plus socket buffers).
// Options: delayMs (hold each request this long before forwarding it, to make concurrency observable).

import http from 'node:http'

/** 'LIST' for ListObjectsV2, else the HTTP method. */
export function kindOf(method, url) {
  if (method === 'GET' && /[?&]list-type=2(&|$)/.test(url)) return 'LIST'
  return method
}

export function startCountingProxy(targetPort, { delayMs = 0 } = {}) {
  let log = []
  let inflight = 0
  let maxInflight = 0
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })
  const server = http.createServer((req, res) => {
    const entry = { kind: kindOf(req.method, req.url), path: req.url, range: req.headers.range ?? null, status: 0, bytes: 0 }
    log.push(entry)
    inflight++
    maxInflight = Math.max(maxInflight, inflight)
    let finished = false
    const finish = () => {
      if (!finished) {
        finished = true
        inflight--
      }
    }
    const forward = () => {
      const up = http.request(
        { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers, agent },
        (ur) => {
          entry.status = ur.statusCode
          res.writeHead(ur.statusCode, ur.headers)
          ur.on('data', (c) => {
            entry.bytes += c.length
            if (!res.write(c)) {
              ur.pause()
              res.once('drain', () => ur.resume())
            }
          })
          ur.on('end', () => {
            res.end()
            finish()
          })
          ur.on('error', () => {
            res.destroy()
            finish()
          })
        },
      )
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(502)
        res.end()
        finish()
      })
      // The client hung up (a cancelled download): stop reading from the server.
      res.on('close', () => {
        if (!res.writableFinished) up.destroy()
        finish()
      })
      req.pipe(up)
    }
    if (delayMs > 0) setTimeout(forward, delayMs)
    else forward()
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      resolve({
        port,
        endpoint: `http://127.0.0.1:${port}`,
        reset() {
          log = []
          maxInflight = inflight
        },
        stats() {
          const byKind = {}
          let bytes = 0
          for (const e of log) {
            byKind[e.kind] = (byKind[e.kind] ?? 0) + 1
            bytes += e.bytes
          }
          return { requests: log.length, byKind, bytes, log: log.map((e) => ({ ...e })), maxInflight }
        },
        /** Resolves once no request is in flight (bounded by timeoutMs). */
        async idle(timeoutMs = 2000) {
          const end = Date.now() + timeoutMs
          while (inflight > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5))
        },
        stop() {
          agent.destroy()
          server.closeAllConnections?.()
          return new Promise((r) => server.close(() => r()))
        },
      })
    })
  })
}
