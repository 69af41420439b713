// A fake S3 server on 127.0.0.1 whose listings never end: every ListObjectsV2 answers 1000 new keys and a new
// continuation token (IsTruncated true), forever. A bucket whose name starts with `dirs` also gets 100 new common
// prefixes per page, so a recursive walk finds endless directories as well. HEAD/GET of any key answer 11 bytes
// (`hello world`), writes are refused (403). No signature is checked.
//
//   const s3 = await startEndlessS3()
//   new S3Resource({ bucket: 'endless-ls', region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true,
//                    accessKeyId: 'x', secretAccessKey: 'y' })
//   s3.stats('endless-ls')    // { requests, lists, gets, heads, lastAt }
//   await s3.stop()
//
// `GET /__stats?bucket=NAME` answers the same figures as JSON, so a child process can watch its own bucket.
// `node __test__/hostile/endless-s3.mjs` runs one in the foreground and prints its endpoint.

import http from 'node:http'

const KEYS_PER_PAGE = 1000
const DIRS_PER_PAGE = 100
const BODY = Buffer.from('hello world')

function listXml(bucket, prefix, delimiter, page) {
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    `<Name>${bucket}</Name><Prefix>${prefix}</Prefix><MaxKeys>1000</MaxKeys>`,
    delimiter ? `<Delimiter>${delimiter}</Delimiter>` : '',
    `<IsTruncated>true</IsTruncated><NextContinuationToken>p${page}</NextContinuationToken>`,
  ]
  let count = 0
  for (let i = 0; i < KEYS_PER_PAGE; i++, count++) {
    parts.push(
      `<Contents><Key>${prefix}k${page}-${i}.txt</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>` +
        `<ETag>"5eb63bbbe01eeed093cb22bb8f5acdc3"</ETag><Size>11</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    )
  }
  if (bucket.startsWith('dirs')) {
    for (let i = 0; i < DIRS_PER_PAGE; i++, count++) {
      const p = `${prefix}d${page}-${i}/`
      // Without a delimiter the walk sees the "directory" as a key below it.
      parts.push(
        delimiter
          ? `<CommonPrefixes><Prefix>${p}</Prefix></CommonPrefixes>`
          : `<Contents><Key>${p}x.txt</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>` +
              `<ETag>"5eb63bbbe01eeed093cb22bb8f5acdc3"</ETag><Size>11</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      )
    }
  }
  parts.push(`<KeyCount>${count}</KeyCount></ListBucketResult>`)
  return parts.join('')
}

export function startEndlessS3() {
  const stats = new Map()
  const statOf = (bucket) => {
    let s = stats.get(bucket)
    if (!s) stats.set(bucket, (s = { requests: 0, lists: 0, gets: 0, heads: 0, others: 0, lastAt: 0 }))
    return s
  }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost')
    if (url.pathname === '/__stats') {
      const body = JSON.stringify(statOf(url.searchParams.get('bucket') ?? ''))
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      res.end(body)
      return
    }
    req.resume()
    const [, bucket = '', ...rest] = url.pathname.split('/')
    const key = decodeURIComponent(rest.join('/'))
    const s = statOf(bucket)
    s.requests++
    s.lastAt = Date.now()
    if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
      s.lists++
      const token = url.searchParams.get('continuation-token')
      const page = token && /^p\d+$/.test(token) ? Number(token.slice(1)) + 1 : 0
      const body = listXml(bucket, url.searchParams.get('prefix') ?? '', url.searchParams.get('delimiter') ?? '', page)
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) })
      res.end(body)
      return
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && key !== '' && !key.endsWith('/')) {
      if (req.method === 'GET') s.gets++
      else s.heads++
      res.writeHead(200, {
        'content-type': 'text/plain',
        'content-length': BODY.length,
        etag: '"5eb63bbbe01eeed093cb22bb8f5acdc3"',
        'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT',
      })
      res.end(req.method === 'GET' ? BODY : undefined)
      return
    }
    if (req.method === 'HEAD' && key === '') {
      s.heads++
      res.writeHead(200)
      res.end()
      return
    }
    s.others++
    const body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>'
    res.writeHead(req.method === 'HEAD' ? 404 : 403, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) })
    res.end(req.method === 'HEAD' ? undefined : body)
  })
  server.keepAliveTimeout = 60_000
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      resolve({
        endpoint: `http://127.0.0.1:${port}`,
        port,
        stats: (bucket) => ({ ...statOf(bucket) }),
        stop: () =>
          new Promise((r) => {
            server.closeAllConnections?.()
            server.close(() => r())
          }),
      })
    })
  })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const s = await startEndlessS3()
  console.log(`endless S3 listing at ${s.endpoint} (Ctrl-C stops it)`)
}
