// Presigned URLs for the browser, end to end with real parts:
//   - s3s-fs on 127.0.0.1 (a signature-checking S3 server, helpers/s3server.mjs) stands in for Backblaze B2;
//   - Express (and plain node:http) serve `createPresignHandler` at POST /presign/b2 on 127.0.0.1;
//   - `fetch` uses the URLs it returns: PUT, GET, HEAD, LIST, COPY, DELETE, expiry, tampering;
//   - the same requests signed by @aws-sdk/s3-request-presigner work the same way;
//   - the guard rails (400/403/405/413, TTL clamp, path rules, prefix) and the secret never leaving the server;
//   - examples/express-presign/server.mjs runs and answers;
//   - a real headless Chromium (Debian's `chromium`, installed here with apt-get when missing) loads a page that
//     asks the handler for URLs and PUTs, GETs and LISTs through a small CORS proxy in front of s3s-fs, exactly as
//     mirage-browser's presignedUrlProvider client does.
// Every wait is bounded (timeouts on each test, on each fetch, on the install and on the browser).

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import express from 'express'
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'

import { manyKeys, startS3Server } from './helpers/s3server.mjs'

// The AWS SDK warns about Node 20 on every run; the warning is about its future releases, not this test.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const require = createRequire(import.meta.url)
const { BackblazeResource, S3Resource, RAMResource, createPresignHandler, resolvePresignPolicy } = require('../main.js')

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')
const ALL_OPS = ['GET', 'PUT', 'HEAD', 'DELETE', 'LIST', 'COPY']
const REGION = 'us-west-004'
const FETCH_TIMEOUT_MS = 15_000

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function withTimeout(promise, ms, what) {
  let timer
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
    }),
  ])
}

/** fetch with a deadline. */
function go(url, init = {}) {
  return fetch(url, { ...init, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`))
  })
}

function closeServer(server) {
  if (!server) return Promise.resolve()
  return withTimeout(
    new Promise((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections?.()
    }),
    5000,
    'server close',
  ).catch(() => {})
}

/** The keys of a ListObjectsV2 XML answer. */
function xmlKeys(xml) {
  return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1])
}
function xmlTag(xml, tag) {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)
  return m ? m[1] : null
}
/** One query parameter of a URL. */
const qp = (url, name) => new URL(url).searchParams.get(name)

// ---------------------------------------------------------------------------------------------------------------

let s3
let b2
let app
let expressServer
let base
let plainServer
let plainBase
let aws
/** Every text any handler sent back (bodies and headers), for the secret check. */
const answers = []

/** POST `body` (an object, or a raw string) to `route` of `baseUrl`; returns { status, json, text, headers }. */
async function ask(route, body, { baseUrl = base, method = 'POST', headers = {} } = {}) {
  const init = { method, headers: { 'content-type': 'application/json', ...headers } }
  if (method !== 'GET' && method !== 'HEAD' && body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body)
  }
  const r = await go(`${baseUrl}${route}`, init)
  const text = await r.text()
  answers.push(text, JSON.stringify([...r.headers]))
  let json = null
  try {
    json = JSON.parse(text)
  } catch {}
  return { status: r.status, json, text, headers: r.headers }
}

/** `{ url, ... }` for a request that must be signed. */
async function sign(route, pathArg, op, opts, extra) {
  const r = await ask(route, opts === undefined ? { path: pathArg, op } : { path: pathArg, op, opts }, extra)
  assert.equal(r.status, 200, `${op} ${pathArg}: ${r.text}`)
  return r.json
}

before(async () => {
  s3 = await startS3Server({
    tree: {
      'hello.txt': 'hello from the bucket\n',
      'docs/readme.md': '# docs\n',
      'uploads/seed.txt': 'seed\n',
      'private/secret.txt': 'not for the browser\n',
      ...manyKeys('many/', 1005),
    },
  })
  const creds = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }
  b2 = new BackblazeResource({ bucket: s3.bucket, region: REGION, endpoint: s3.endpoint, ...creds })
  const team = new S3Resource({ bucket: s3.bucket, region: REGION, endpoint: s3.endpoint, keyPrefix: 'team', ...creds })

  app = express()
  // No body parser: the handler reads the JSON body from the stream.
  app.post('/presign/b2', createPresignHandler(b2, { allowOps: ALL_OPS, maxTtlSec: 3600 }))
  app.all('/presign/b2-any-method', createPresignHandler(b2, { allowOps: ALL_OPS }))
  // express.json() in front: the handler reads req.body.
  app.post('/presign/json', express.json(), createPresignHandler(b2, { allowOps: ALL_OPS }))
  // The defaults: GET, HEAD, LIST; maxTtlSec 3600.
  app.post('/presign/default', createPresignHandler(b2))
  app.post('/presign/scoped', createPresignHandler(b2, { allowOps: ALL_OPS, prefix: 'uploads' }))
  app.post('/presign/week', createPresignHandler(b2, { maxTtlSec: 10 ** 9 }))
  app.post('/presign/team', createPresignHandler(team, { allowOps: ALL_OPS }))
  expressServer = http.createServer(app)
  base = await listen(expressServer)

  plainServer = http.createServer(createPresignHandler(b2, { allowOps: ['GET', 'PUT'] }))
  plainBase = await listen(plainServer)

  aws = new S3Client({
    region: REGION,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: creds,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
})

after(async () => {
  await closeServer(expressServer)
  await closeServer(plainServer)
  aws?.destroy()
  // The secret never left the server: not in a URL, an answer, a header or an error.
  const leaks = answers.filter((t) => s3 && t.includes(s3.secretAccessKey))
  assert.deepEqual(leaks, [], 'the secret access key appeared in a handler answer')
  await s3?.stop()
})

// ---------------------------------------------------------------------------------------------------------------

describe('presign through the Express handler, URLs used with fetch against s3s-fs', { timeout: 120_000 }, () => {
  const key = 'up/hello world ü.txt'
  const body = 'uploaded through a presigned URL\nsecond line\n'

  it('PUT uploads the bytes with the signed content type', async () => {
    const a = await sign('/presign/b2', `/${key}`, 'PUT', { contentType: 'text/plain; charset=utf-8' })
    assert.deepEqual(Object.keys(a).sort(), ['expiresAt', 'headers', 'method', 'url'])
    assert.equal(a.method, 'PUT')
    assert.deepEqual(a.headers, { 'content-type': 'text/plain; charset=utf-8' })
    assert.equal(qp(a.url, 'X-Amz-SignedHeaders'), 'content-type;host')
    assert.equal(qp(a.url, 'X-Amz-Expires'), '300', 'default TTL')
    assert.ok(new URL(a.url).pathname.endsWith('/up/hello%20world%20%C3%BC.txt'), a.url)
    const left = Date.parse(a.expiresAt) - Date.now()
    assert.ok(left > 290_000 && left <= 301_000, `expiresAt ${a.expiresAt}`)
    // The content type is bound: another one is refused, and nothing is written.
    const wrong = await go(a.url, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: '<h1>x</h1>' })
    assert.equal(wrong.status, 403)
    assert.equal(existsSync(path.join(s3.bucketDir, key)), false)
    const r = await go(a.url, { method: 'PUT', headers: a.headers, body })
    assert.equal(r.status, 200, await r.text())
    assert.equal(readFileSync(path.join(s3.bucketDir, key), 'utf8'), body)
  })

  it('GET returns the bytes and the content type', async () => {
    const a = await sign('/presign/b2', key, 'GET')
    assert.equal(a.method, 'GET')
    assert.deepEqual(a.headers, {})
    const r = await go(a.url)
    assert.equal(r.status, 200)
    assert.equal(r.headers.get('content-type'), 'text/plain; charset=utf-8')
    assert.equal(await r.text(), body)
  })

  it('HEAD returns the length', async () => {
    const a = await sign('/presign/b2', `/${key}`, 'HEAD')
    assert.equal(a.method, 'HEAD')
    const r = await go(a.url, { method: 'HEAD' })
    assert.equal(r.status, 200)
    assert.equal(r.headers.get('content-length'), String(Buffer.byteLength(body)))
    // A HEAD URL is not a GET URL.
    assert.equal((await go(a.url)).status, 403)
  })

  it('LIST returns the ListObjectsV2 XML of the prefix, page by page', async () => {
    const a = await sign('/presign/b2', '/', 'LIST', { listPrefix: 'up/', listDelimiter: '/' })
    assert.equal(a.method, 'GET')
    assert.equal(qp(a.url, 'list-type'), '2')
    assert.equal(qp(a.url, 'prefix'), 'up/')
    assert.equal(qp(a.url, 'delimiter'), '/')
    const r = await go(a.url)
    assert.equal(r.status, 200)
    const xml = await r.text()
    assert.match(xml, /^<\?xml/)
    assert.match(xml, /<ListBucketResult/)
    assert.equal(xmlTag(xml, 'Prefix'), 'up/')
    assert.deepEqual(xmlKeys(xml), [key])

    // The root with a delimiter: folders as CommonPrefixes.
    const top = await (await go((await sign('/presign/b2', '/', 'LIST', { listDelimiter: '/' })).url)).text()
    const prefixes = [...top.matchAll(/<CommonPrefixes><Prefix>([^<]*)<\/Prefix><\/CommonPrefixes>/g)].map((m) => m[1])
    assert.deepEqual(prefixes.sort(), ['docs/', 'many/', 'private/', 'up/', 'uploads/'])
    assert.deepEqual(xmlKeys(top), ['hello.txt'])

    // 1005 keys: two pages, the second one through listContinuationToken.
    const p1 = await (await go((await sign('/presign/b2', '/', 'LIST', { listPrefix: 'many/' })).url)).text()
    assert.equal(xmlTag(p1, 'IsTruncated'), 'true')
    assert.equal(xmlKeys(p1).length, 1000)
    const token = xmlTag(p1, 'NextContinuationToken')
    assert.ok(token)
    const a2 = await sign('/presign/b2', '/', 'LIST', { listPrefix: 'many/', listContinuationToken: token })
    assert.equal(qp(a2.url, 'continuation-token'), token)
    const p2 = await (await go(a2.url)).text()
    assert.equal(xmlTag(p2, 'IsTruncated'), 'false')
    assert.deepEqual(xmlKeys(p2), ['many/k1000.txt', 'many/k1001.txt', 'many/k1002.txt', 'many/k1003.txt', 'many/k1004.txt'])
  })

  it('COPY copies within the bucket (x-amz-copy-source is a signed header)', async () => {
    const a = await sign('/presign/b2', '/up/copy.txt', 'COPY', { copySource: `/${key}` })
    assert.equal(a.method, 'PUT')
    assert.deepEqual(a.headers, { 'x-amz-copy-source': `${s3.bucket}/up/hello%20world%20%C3%BC.txt` })
    assert.equal(qp(a.url, 'X-Amz-SignedHeaders'), 'host;x-amz-copy-source')
    // Another source than the signed one is refused.
    const other = await go(a.url, { method: 'PUT', headers: { 'x-amz-copy-source': `${s3.bucket}/private/secret.txt` } })
    assert.equal(other.status, 403)
    // mirage-browser's COPY sends `x-amz-copy-source: /<source key>` (no bucket): not the signed value, refused.
    const asMirageBrowser = await go(a.url, { method: 'PUT', headers: { 'x-amz-copy-source': `/${key}` } })
    assert.equal(asMirageBrowser.status, 403)
    const r = await go(a.url, { method: 'PUT', headers: a.headers })
    assert.equal(r.status, 200)
    assert.match(await r.text(), /<CopyObjectResult>/)
    assert.equal(readFileSync(path.join(s3.bucketDir, 'up/copy.txt'), 'utf8'), body)
  })

  it('DELETE removes the object', async () => {
    const a = await sign('/presign/b2', '/up/copy.txt', 'DELETE')
    assert.equal(a.method, 'DELETE')
    const r = await go(a.url, { method: 'DELETE' })
    assert.equal(r.status, 204)
    assert.equal(existsSync(path.join(s3.bucketDir, 'up/copy.txt')), false)
    const g = await go((await sign('/presign/b2', 'up/copy.txt', 'GET')).url)
    assert.equal(g.status, 404)
  })

  it('a URL with a TTL of 1 s is refused once it has expired', async () => {
    const a = await sign('/presign/b2', 'hello.txt', 'GET', { ttlSec: 1 })
    assert.equal(qp(a.url, 'X-Amz-Expires'), '1')
    const wait = Date.parse(a.expiresAt) + 1500 - Date.now()
    assert.ok(wait > 0 && wait < 3000, `wait ${wait}`)
    await sleep(wait)
    const r = await go(a.url)
    assert.equal(r.status, 403)
    assert.match(await r.text(), /AccessDenied|expired/i)
    // A fresh URL for the same key still works.
    assert.equal((await go((await sign('/presign/b2', 'hello.txt', 'GET')).url)).status, 200)
  })

  it('a URL whose query or path was tampered with is refused', async () => {
    const a = await sign('/presign/b2', 'hello.txt', 'GET')
    assert.equal((await go(a.url)).status, 200)
    const u = new URL(a.url)
    const tampered = []
    const longer = new URL(u)
    longer.searchParams.set('X-Amz-Expires', '604800')
    tampered.push(['longer expiry', longer])
    const otherKey = new URL(u)
    otherKey.pathname = otherKey.pathname.replace('hello.txt', 'private/secret.txt')
    tampered.push(['other key', otherKey])
    const sig = new URL(u)
    const s = sig.searchParams.get('X-Amz-Signature')
    sig.searchParams.set('X-Amz-Signature', (s[0] === 'a' ? 'b' : 'a') + s.slice(1))
    tampered.push(['signature', sig])
    const extra = new URL(u)
    extra.searchParams.set('response-content-type', 'text/html')
    tampered.push(['added parameter', extra])
    for (const [what, t] of tampered) {
      const r = await go(t)
      assert.equal(r.status, 403, what)
    }
    // A LIST URL cannot be widened to another prefix.
    const l = await sign('/presign/b2', '/', 'LIST', { listPrefix: 'uploads/' })
    const wide = new URL(l.url)
    wide.searchParams.set('prefix', 'private/')
    assert.equal((await go(wide)).status, 403)
    assert.equal((await go(l.url)).status, 200)
  })
})

// ---------------------------------------------------------------------------------------------------------------

describe('the same requests signed by @aws-sdk/s3-request-presigner', { timeout: 120_000 }, () => {
  const ours = (pathArg, op, opts) => sign('/presign/b2', pathArg, op, opts)
  const theirs = (cmd, opts = {}) => getSignedUrl(aws, cmd, { expiresIn: 300, ...opts })
  const Bucket = () => s3.bucket

  it('sign the same request: same endpoint, key, credential scope and expiry', async () => {
    const a = await ours('/dir/a b+c.txt', 'GET')
    const b = await theirs(new GetObjectCommand({ Bucket: Bucket(), Key: 'dir/a b+c.txt' }))
    const ua = new URL(a.url)
    const ub = new URL(b)
    assert.equal(ua.origin, ub.origin)
    assert.equal(ua.pathname, ub.pathname)
    for (const p of ['X-Amz-Algorithm', 'X-Amz-Expires', 'X-Amz-SignedHeaders']) {
      assert.equal(ua.searchParams.get(p), ub.searchParams.get(p), p)
    }
    const scope = (u) => u.searchParams.get('X-Amz-Credential').split('/').slice(2).join('/')
    assert.equal(scope(ua), scope(ub))
    assert.equal(scope(ua), `${REGION}/s3/aws4_request`)
  })

  it('PUT, GET, HEAD, LIST, COPY, DELETE work with both', async () => {
    for (const [who, mk] of [
      ['mirage-native', 'ours'],
      ['aws-sdk', 'theirs'],
    ]) {
      const k = `cmp/${mk}/file one.txt`
      const text = `written by ${who}\n`
      const put =
        mk === 'ours'
          ? await ours(k, 'PUT', { contentType: 'text/plain' })
          : { url: await theirs(new PutObjectCommand({ Bucket: Bucket(), Key: k, ContentType: 'text/plain' })) }
      let r = await go(put.url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: text })
      assert.equal(r.status, 200, `${who} PUT`)

      const get = mk === 'ours' ? (await ours(k, 'GET')).url : await theirs(new GetObjectCommand({ Bucket: Bucket(), Key: k }))
      r = await go(get)
      assert.equal(r.status, 200, `${who} GET`)
      assert.equal(await r.text(), text)

      const head = mk === 'ours' ? (await ours(k, 'HEAD')).url : await theirs(new HeadObjectCommand({ Bucket: Bucket(), Key: k }))
      r = await go(head, { method: 'HEAD' })
      assert.equal(r.status, 200, `${who} HEAD`)
      assert.equal(r.headers.get('content-length'), String(Buffer.byteLength(text)))

      const list =
        mk === 'ours'
          ? (await ours('/', 'LIST', { listPrefix: `cmp/${mk}/`, listDelimiter: '/' })).url
          : await theirs(new ListObjectsV2Command({ Bucket: Bucket(), Prefix: `cmp/${mk}/`, Delimiter: '/' }))
      r = await go(list)
      assert.equal(r.status, 200, `${who} LIST`)
      assert.deepEqual(xmlKeys(await r.text()), [k])

      const dst = `cmp/${mk}/copy.txt`
      let copyUrl
      let copyHeaders
      if (mk === 'ours') {
        const c = await ours(dst, 'COPY', { copySource: k })
        copyUrl = c.url
        copyHeaders = c.headers
      } else {
        // Keep the copy source a signed header (by default the SDK moves x-amz-* headers into the query).
        const source = `${Bucket()}/${encodeURI(k)}`
        copyUrl = await theirs(new CopyObjectCommand({ Bucket: Bucket(), Key: dst, CopySource: source }), {
          unhoistableHeaders: new Set(['x-amz-copy-source']),
        })
        copyHeaders = { 'x-amz-copy-source': source }
        assert.equal(copyHeaders['x-amz-copy-source'], (await ours(dst, 'COPY', { copySource: k })).headers['x-amz-copy-source'])
      }
      r = await go(copyUrl, { method: 'PUT', headers: copyHeaders })
      assert.equal(r.status, 200, `${who} COPY`)
      assert.equal(readFileSync(path.join(s3.bucketDir, dst), 'utf8'), text)

      for (const victim of [dst, k]) {
        const del = mk === 'ours' ? (await ours(victim, 'DELETE')).url : await theirs(new DeleteObjectCommand({ Bucket: Bucket(), Key: victim }))
        r = await go(del, { method: 'DELETE' })
        assert.equal(r.status, 204, `${who} DELETE`)
        assert.equal(existsSync(path.join(s3.bucketDir, victim)), false)
      }
    }
  })
})

// ---------------------------------------------------------------------------------------------------------------

describe('guard rails', { timeout: 60_000 }, () => {
  it('405 for anything but POST', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const r = await ask('/presign/b2-any-method', { path: 'hello.txt', op: 'GET' }, { method })
      assert.equal(r.status, 405, method)
      assert.equal(r.headers.get('allow'), 'POST')
      assert.deepEqual(r.json, { error: 'method not allowed: use POST', code: 'ERR_PRESIGN_METHOD' })
    }
    const r = await ask('/', { path: 'hello.txt', op: 'GET' }, { baseUrl: plainBase, method: 'GET' })
    assert.equal(r.status, 405)
  })

  it('400 JSON errors for a malformed body, a missing path or op, an unknown op or bad options', async () => {
    const cases = [
      ['{"path": "a", "op": ', 'ERR_PRESIGN_BAD_BODY', 'malformed JSON body'],
      ['', 'ERR_PRESIGN_BAD_BODY', 'empty body: expected JSON { path, op, opts }'],
      ['[1, 2]', 'ERR_PRESIGN_BAD_BODY', 'body must be a JSON object { path, op, opts }'],
      ['"GET"', 'ERR_PRESIGN_BAD_BODY', 'body must be a JSON object { path, op, opts }'],
      [{ op: 'GET' }, 'ERR_PRESIGN_BAD_BODY', 'path is required'],
      [{ path: 7, op: 'GET' }, 'ERR_PRESIGN_BAD_BODY', 'path must be a string'],
      [{ path: 'a.txt' }, 'ERR_PRESIGN_BAD_BODY', 'op is required'],
      [{ path: 'a.txt', op: 'POST' }, 'ERR_PRESIGN_UNKNOWN_OP', 'unknown op: expected one of GET, PUT, HEAD, DELETE, LIST, COPY'],
      [{ path: 'a.txt', op: 'get' }, 'ERR_PRESIGN_UNKNOWN_OP', 'unknown op: expected one of GET, PUT, HEAD, DELETE, LIST, COPY'],
      [{ path: 'a.txt', op: 'GET', opts: 'x' }, 'ERR_PRESIGN_BAD_BODY', 'opts must be an object'],
      [{ path: 'a.txt', op: 'GET', opts: { ttlSec: '60' } }, 'ERR_PRESIGN_BAD_BODY', 'opts.ttlSec must be a number'],
      [{ path: 'a.txt', op: 'PUT', opts: { contentType: 5 } }, 'ERR_PRESIGN_BAD_BODY', 'opts.contentType must be a string'],
      [{ path: 'a.txt', op: 'GET', opts: { ttlSec: 0 } }, 'ERR_PRESIGN_INVALID_OPTION', 'invalid option: ttlSec must be a whole number of seconds, at least 1'],
      [{ path: 'a.txt', op: 'GET', opts: { ttlSec: 2.5 } }, 'ERR_PRESIGN_INVALID_OPTION', 'invalid option: ttlSec must be a whole number of seconds, at least 1'],
      [{ path: 'a.txt', op: 'COPY' }, 'ERR_PRESIGN_INVALID_OPTION', 'invalid option: copySource is required for COPY'],
      [{ path: 'a.txt', op: 'PUT', opts: { contentType: 'text/plain\r\nx-evil: 1' } }, 'ERR_PRESIGN_INVALID_OPTION', 'invalid option: contentType must be printable ASCII, at most 256 bytes'],
      [{ path: '/', op: 'GET' }, 'ERR_PRESIGN_INVALID_PATH', 'invalid path: empty path'],
    ]
    for (const [body, code, error] of cases) {
      const r = await ask('/presign/b2', body)
      assert.equal(r.status, 400, JSON.stringify(body))
      assert.deepEqual(r.json, { error, code }, JSON.stringify(body))
      assert.match(r.headers.get('content-type'), /^application\/json/)
    }
    // The same through plain node:http.
    const r = await ask('/whatever', '{nope', { baseUrl: plainBase })
    assert.equal(r.status, 400)
    assert.equal(r.json.code, 'ERR_PRESIGN_BAD_BODY')
  })

  it('paths with .. or . segments, NUL, control bytes, encoded tricks or over 1024 bytes are refused', async () => {
    const bad = [
      'a/../b',
      '../etc/passwd',
      '/uploads/../private/secret.txt',
      'a/./b',
      'a//b',
      'a\u0000b',
      'a\nb',
      'a/%2e%2e/b',
      'a/%2E%2e%2Fb',
      'x'.repeat(1025),
    ]
    for (const p of bad) {
      for (const op of ['GET', 'PUT', 'DELETE']) {
        const r = await ask('/presign/b2', { path: p, op })
        assert.equal(r.status, 400, `${op} ${JSON.stringify(p)}`)
        assert.equal(r.json.code, 'ERR_PRESIGN_INVALID_PATH')
        assert.ok(!r.text.includes(p), 'the path is not echoed')
      }
    }
    for (const [op, opts] of [
      ['COPY', { copySource: '../private/secret.txt' }],
      ['LIST', { listPrefix: 'a/../' }],
    ]) {
      const r = await ask('/presign/b2', { path: 'up/x', op, opts })
      assert.equal(r.status, 400, op)
      assert.equal(r.json.code, 'ERR_PRESIGN_INVALID_PATH')
    }
    // 1024 bytes is fine; a leading '/' does not count.
    const ok = await ask('/presign/b2', { path: `/${'x'.repeat(1024)}`, op: 'GET' })
    assert.equal(ok.status, 200)
    assert.ok(new URL(ok.json.url).pathname.endsWith(`/${'x'.repeat(1024)}`))
  })

  it('the defaults sign GET, HEAD and LIST only (403 for PUT, DELETE, COPY), up to 3600 s', async () => {
    for (const op of ['GET', 'HEAD']) assert.equal((await ask('/presign/default', { path: 'hello.txt', op })).status, 200)
    assert.equal((await ask('/presign/default', { path: '/', op: 'LIST', opts: { listPrefix: 'docs/' } })).status, 200)
    for (const [op, opts] of [
      ['PUT', { contentType: 'text/plain' }],
      ['DELETE', undefined],
      ['COPY', { copySource: 'hello.txt' }],
    ]) {
      const r = await ask('/presign/default', { path: 'hello.txt', op, opts })
      assert.equal(r.status, 403, op)
      assert.deepEqual(r.json, { error: `op ${op} is not allowed`, code: 'ERR_PRESIGN_OP_NOT_ALLOWED' })
    }
    // An unknown op is a malformed request (400), not a refused one.
    assert.equal((await ask('/presign/default', { path: 'hello.txt', op: 'PATCH' })).status, 400)
    const a = await sign('/presign/default', 'hello.txt', 'GET', { ttlSec: 86400 })
    assert.equal(qp(a.url, 'X-Amz-Expires'), '3600')
  })

  it('TTL: clamped to maxTtlSec, and never above 7 days', async () => {
    assert.equal(qp((await sign('/presign/b2', 'hello.txt', 'GET', { ttlSec: 999999 })).url, 'X-Amz-Expires'), '3600')
    assert.equal(qp((await sign('/presign/b2', 'hello.txt', 'GET', { ttlSec: 120 })).url, 'X-Amz-Expires'), '120')
    const week = await sign('/presign/week', 'hello.txt', 'GET', { ttlSec: 10 ** 9 })
    assert.equal(qp(week.url, 'X-Amz-Expires'), '604800')
    const left = Date.parse(week.expiresAt) - Date.now()
    assert.ok(left > 604_790_000 && left <= 604_801_000, week.expiresAt)
    assert.equal((await go(week.url)).status, 200)
    assert.deepEqual(resolvePresignPolicy({ maxTtlSec: 10 ** 9 }), {
      allowOps: ALL_OPS,
      prefix: '',
      maxTtlSec: 604800,
    })
  })

  it('prefix: keys, list prefixes and copy sources outside it get 403', async () => {
    assert.equal((await ask('/presign/scoped', { path: 'uploads/seed.txt', op: 'GET' })).status, 200)
    assert.equal((await ask('/presign/scoped', { path: '/uploads/new.txt', op: 'PUT' })).status, 200)
    const refused = [
      { path: 'private/secret.txt', op: 'GET' },
      { path: 'uploads', op: 'GET' },
      { path: 'uploads2/x', op: 'PUT' },
      { path: '/', op: 'LIST' },
      { path: '/', op: 'LIST', opts: { listPrefix: 'upload' } },
      { path: '/', op: 'LIST', opts: { listPrefix: 'private/' } },
      { path: 'uploads/stolen.txt', op: 'COPY', opts: { copySource: 'private/secret.txt' } },
      { path: 'private/x', op: 'COPY', opts: { copySource: 'uploads/seed.txt' } },
    ]
    for (const body of refused) {
      const r = await ask('/presign/scoped', body)
      assert.equal(r.status, 403, JSON.stringify(body))
      assert.deepEqual(r.json, { error: 'path is outside the allowed prefix', code: 'ERR_PRESIGN_OUTSIDE_PREFIX' })
    }
    // '..' cannot climb out of the prefix: refused as a path before the prefix is looked at.
    const climb = await ask('/presign/scoped', { path: 'uploads/../private/secret.txt', op: 'GET' })
    assert.equal(climb.status, 400)
    const list = await sign('/presign/scoped', '/', 'LIST', { listPrefix: 'uploads/' })
    assert.deepEqual(xmlKeys(await (await go(list.url)).text()), ['uploads/seed.txt'])
  })

  it('express.json() in front (req.body) works the same as the raw stream', async () => {
    const a = await sign('/presign/json', '/docs/readme.md', 'GET')
    assert.equal(await (await go(a.url)).text(), '# docs\n')
    assert.equal((await ask('/presign/json', { path: 'a/../b', op: 'GET' })).status, 400)
  })

  it('plain node:http: the same contract', async () => {
    const put = await sign('/', 'plain/p.txt', 'PUT', { contentType: 'application/json' }, { baseUrl: plainBase })
    assert.equal((await go(put.url, { method: 'PUT', headers: put.headers, body: '{"a":1}' })).status, 200)
    const get = await sign('/', 'plain/p.txt', 'GET', undefined, { baseUrl: plainBase })
    assert.equal(await (await go(get.url)).text(), '{"a":1}')
    assert.equal((await ask('/', { path: 'plain/p.txt', op: 'DELETE' }, { baseUrl: plainBase })).status, 403)
  })

  it('413 for a body over 64 KiB', async () => {
    const r = await ask('/presign/b2', JSON.stringify({ path: 'a', op: 'GET', pad: 'x'.repeat(70_000) }))
    assert.equal(r.status, 413)
    assert.equal(r.json.code, 'ERR_PRESIGN_BODY_TOO_LARGE')
  })

  it('408 when the body does not arrive within 10 s', { timeout: 20_000 }, async () => {
    const port = new URL(base).port
    const started = Date.now()
    const answer = await withTimeout(
      new Promise((resolve, reject) => {
        const sock = net.connect({ host: '127.0.0.1', port: Number(port) }, () => {
          sock.write('POST /presign/b2 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"path":')
        })
        let got = ''
        sock.on('data', (c) => {
          got += c.toString()
        })
        sock.on('close', () => resolve(got))
        sock.on('error', reject)
      }),
      15_000,
      'slow body',
    )
    answers.push(answer)
    const waited = Date.now() - started
    assert.match(answer, /^HTTP\/1\.1 408 /)
    assert.match(answer, /"code":"ERR_PRESIGN_BODY_TIMEOUT"/)
    assert.ok(waited >= 9_500 && waited < 14_000, `answered after ${waited} ms`)
  })

  it('S3Resource keyPrefix: keys and list prefixes live under it', async () => {
    const put = await sign('/presign/team', '/notes.txt', 'PUT', { contentType: 'text/plain' })
    assert.ok(new URL(put.url).pathname.endsWith(`/${s3.bucket}/team/notes.txt`), put.url)
    assert.equal((await go(put.url, { method: 'PUT', headers: put.headers, body: 'team notes\n' })).status, 200)
    assert.equal(readFileSync(path.join(s3.bucketDir, 'team/notes.txt'), 'utf8'), 'team notes\n')
    const list = await sign('/presign/team', '/', 'LIST', { listDelimiter: '/' })
    assert.equal(qp(list.url, 'prefix'), 'team/')
    assert.deepEqual(xmlKeys(await (await go(list.url)).text()), ['team/notes.txt'])
    const copy = await sign('/presign/team', 'copy.txt', 'COPY', { copySource: 'notes.txt' })
    assert.equal(copy.headers['x-amz-copy-source'], `${s3.bucket}/team/notes.txt`)
    assert.equal((await go(copy.url, { method: 'PUT', headers: copy.headers })).status, 200)
    assert.equal(readFileSync(path.join(s3.bucketDir, 'team/copy.txt'), 'utf8'), 'team notes\n')
  })

  it('createPresignHandler refuses bad options at once', () => {
    assert.throws(() => createPresignHandler(new RAMResource()), TypeError)
    assert.throws(() => createPresignHandler({ presignRequest() {} }), TypeError)
    assert.throws(() => createPresignHandler(b2, { allowOps: ['GET', 'FETCH'] }), TypeError)
    assert.throws(() => createPresignHandler(b2, { allowOps: [] }), TypeError)
    assert.throws(() => createPresignHandler(b2, { prefix: 'a/../b' }), /createPresignHandler: invalid presign policy/)
    assert.throws(() => createPresignHandler(b2, { maxTtlSec: 0 }), RangeError)
    assert.throws(() => createPresignHandler(b2, { maxTtlSec: 1.5 }), RangeError)
  })

  it('resource.presign: sync, typed errors without the secret', () => {
    const url = b2.presign('/hello.txt', 'GET')
    assert.equal(typeof url, 'string')
    assert.ok(url.includes(`X-Amz-Credential=${s3.accessKeyId}%2F`), 'the key ID is in the URL, by design')
    const cases = [
      [() => b2.presign('a/../b', 'GET'), 'ERR_PRESIGN_INVALID_PATH'],
      [() => b2.presign('a', 'FETCH'), 'ERR_PRESIGN_UNKNOWN_OP'],
      [() => b2.presign('a', 'PUT', {}, { allowOps: ['GET'] }), 'ERR_PRESIGN_OP_NOT_ALLOWED'],
      [() => b2.presign('a', 'GET', {}, { prefix: 'b' }), 'ERR_PRESIGN_OUTSIDE_PREFIX'],
      [() => b2.presign('a', 'GET', { ttlSec: -1 }), 'ERR_PRESIGN_INVALID_OPTION'],
      [() => b2.presign('a', 'GET', {}, { maxTtlSec: 0 }), 'ERR_PRESIGN_INVALID_POLICY'],
    ]
    for (const [fn, code] of cases) {
      let err
      try {
        fn()
      } catch (e) {
        err = e
      }
      assert.ok(err instanceof Error, code)
      assert.equal(err.code, code)
      const text = `${err.message} ${err.stack} ${JSON.stringify(err)}`
      assert.ok(!text.includes(s3.secretAccessKey), 'secret in an error')
      answers.push(text)
    }
    // Without a policy the TTL is capped at 7 days, not 3600.
    assert.equal(qp(b2.presign('a', 'GET', { ttlSec: 86400 }), 'X-Amz-Expires'), '86400')
    assert.equal(qp(b2.presign('a', 'GET', { ttlSec: 10 ** 7 }), 'X-Amz-Expires'), '604800')
  })
})

// ---------------------------------------------------------------------------------------------------------------

/** Run a command with a deadline; resolves { code, out } (out = the tail of stdout+stderr). */
function run(cmd, args, { timeoutMs, env = process.env } = {}) {
  return new Promise((resolve) => {
    let out = ''
    let child
    try {
      child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
    } catch (e) {
      resolve({ code: -1, out: String(e) })
      return
    }
    const keep = (c) => {
      out = (out + c.toString()).slice(-4000)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    const timer = setTimeout(() => {
      out += `\n(timed out after ${timeoutMs} ms)`
      try {
        process.kill(child.pid, 'SIGKILL')
      } catch {}
    }, timeoutMs)
    child.once('error', (e) => {
      clearTimeout(timer)
      resolve({ code: -1, out: String(e) })
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? -1, out })
    })
  })
}

describe('examples/express-presign/server.mjs', { timeout: 60_000 }, () => {
  it('runs, authenticates, signs, and answers JSON errors', async () => {
    const child = spawn(process.execPath, [path.join(root, 'examples/express-presign/server.mjs')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        B2_BUCKET: s3.bucket,
        B2_REGION: REGION,
        B2_ACCESS_KEY_ID: s3.accessKeyId,
        B2_SECRET_ACCESS_KEY: s3.secretAccessKey,
        B2_ENDPOINT: s3.endpoint,
        PRESIGN_TOKEN: 'example-token',
        PORT: '0',
        HOST: '127.0.0.1',
      },
    })
    let log = ''
    try {
      const url = await withTimeout(
        new Promise((resolve, reject) => {
          const onData = (c) => {
            log += c.toString()
            const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/presign\/b2)/.exec(log)
            if (m) resolve(m[1])
          }
          child.stdout.on('data', onData)
          child.stderr.on('data', onData)
          child.once('exit', (code) => reject(new Error(`example exited with ${code}: ${log}`)))
        }),
        15_000,
        'example server start',
      )
      const post = async (body, token) => {
        const r = await go(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        })
        const text = await r.text()
        answers.push(text)
        return { status: r.status, text, json: JSON.parse(text) }
      }
      assert.equal((await post({ path: '/hello.txt', op: 'GET' })).status, 401)
      assert.equal((await post({ path: '/hello.txt', op: 'GET' }, 'wrong')).status, 401)
      const ok = await post({ path: '/hello.txt', op: 'GET' }, 'example-token')
      assert.equal(ok.status, 200)
      assert.equal(await (await go(ok.json.url)).text(), 'hello from the bucket\n')
      const bad = await post('{"path":', 'example-token')
      assert.equal(bad.status, 400)
      assert.deepEqual(bad.json, { error: 'malformed request' })
      const climb = await post({ path: 'a/../b', op: 'GET' }, 'example-token')
      assert.equal(climb.status, 400)
      assert.ok(!log.includes(s3.secretAccessKey))
    } finally {
      const gone = new Promise((r) => child.once('exit', r))
      if (child.exitCode === null) child.kill('SIGTERM')
      await withTimeout(gone, 5000, 'example server stop').catch(() => {
        try {
          process.kill(child.pid, 'SIGKILL')
        } catch {}
      })
    }
  })
})

// ---------------------------------------------------------------------------------------------------------------
// The browser.

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** `/usr/bin/chromium`, installed with apt-get when missing; `{ skip }` with the reason when it cannot be. */
async function ensureChromium() {
  if (existsSync(CHROMIUM)) return { exe: CHROMIUM }
  if (process.platform !== 'linux') return { skip: `no ${CHROMIUM} and not Linux` }
  if (!existsSync('/usr/bin/apt-get')) return { skip: `no ${CHROMIUM} and no apt-get to install it` }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return { skip: `no ${CHROMIUM}, and installing it with apt-get needs root` }
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const lock = ['-o', 'DPkg::Lock::Timeout=300']
  console.log(`# ${CHROMIUM} is missing: apt-get update && apt-get install -y chromium (a few minutes)`)
  let last = null
  for (let attempt = 1; attempt <= 2 && !existsSync(CHROMIUM); attempt++) {
    const up = await run('apt-get', [...lock, 'update'], { timeoutMs: 5 * 60_000, env })
    if (up.code !== 0) {
      last = `apt-get update failed (${up.code}): ${up.out.trim().split('\n').slice(-3).join(' | ')}`
      await sleep(5000)
      continue
    }
    const inst = await run('apt-get', [...lock, 'install', '-y', 'chromium'], { timeoutMs: 15 * 60_000, env })
    if (inst.code !== 0) {
      last = `apt-get install -y chromium failed (${inst.code}): ${inst.out.trim().split('\n').slice(-3).join(' | ')}`
      await sleep(5000)
    }
  }
  if (existsSync(CHROMIUM)) return { exe: CHROMIUM }
  return { skip: last ?? `${CHROMIUM} still missing after apt-get install` }
}

/**
 * A CORS proxy in front of s3s-fs (which answers no CORS): preflights answered here; everything else forwarded
 * byte for byte, Host header included, so SigV4 signatures made for the proxy's address still verify.
 */
function startCorsProxy(targetPort, allowOrigin) {
  const seen = []
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url.split('?')[0]}`)
    const origin = req.headers.origin
    const cors = origin === allowOrigin ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {}
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'GET, PUT, HEAD, DELETE',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '',
        'access-control-max-age': '600',
      })
      res.end()
      return
    }
    const up = http.request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers, timeout: FETCH_TIMEOUT_MS },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, {
          ...ur.headers,
          ...cors,
          'access-control-expose-headers': 'etag, content-length, content-type, last-modified',
        })
        ur.pipe(res)
      },
    )
    up.on('timeout', () => up.destroy(new Error('upstream timeout')))
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502, cors)
      res.end()
    })
    req.pipe(up)
  })
  return { server, seen }
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>mirage presign</title></head>
<body>
<script type="module">
// What @struktoai/mirage-browser does with the documented provider (see README): ask the server for a URL per
// operation, then fetch it from the browser.
const presignedUrlProvider = async (path, op, opts) => {
  const r = await fetch('/presign/b2', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ path, op, opts }),
  })
  if (!r.ok) throw new Error('presign ' + op + ' ' + path + ': HTTP ' + r.status + ' ' + (await r.text()))
  const { url } = await r.json()
  return url
}

window.runMirageFlow = async ({ key, text, contentType, prefix }) => {
  const out = {}
  // Put: provider('/' + key, 'PUT', { contentType }), then PUT with that Content-Type.
  let url = await presignedUrlProvider('/' + key, 'PUT', { contentType })
  let resp = await fetch(url, { method: 'PUT', headers: { 'Content-Type': contentType }, body: new TextEncoder().encode(text) })
  out.put = { status: resp.status, host: new URL(url).host }
  // Get: provider('/' + key, 'GET'), a plain fetch.
  url = await presignedUrlProvider('/' + key, 'GET')
  resp = await fetch(url)
  out.get = { status: resp.status, body: await resp.text(), contentType: resp.headers.get('content-type'), etag: resp.headers.get('etag') }
  // Head
  url = await presignedUrlProvider('/' + key, 'HEAD')
  resp = await fetch(url, { method: 'HEAD' })
  out.head = { status: resp.status, length: resp.headers.get('content-length') }
  // List: provider('/', 'LIST', { listPrefix, listDelimiter }), XML parsed in the page.
  url = await presignedUrlProvider('/', 'LIST', { listPrefix: prefix, listDelimiter: '/' })
  resp = await fetch(url)
  const xml = await resp.text()
  const doc = new DOMParser().parseFromString(xml, 'application/xml')
  out.list = {
    status: resp.status,
    keys: [...doc.getElementsByTagName('Contents')].map((c) => c.getElementsByTagName('Key')[0].textContent),
    sizes: [...doc.getElementsByTagName('Size')].map((s) => Number(s.textContent)),
  }
  // A refused request surfaces as an error in the provider.
  try {
    await presignedUrlProvider('/../escape', 'GET')
    out.refused = 'signed?!'
  } catch (e) {
    out.refused = String(e.message)
  }
  return out
}
window.mirageReady = true
</script>
</body></html>`

describe('a real browser (headless Chromium) uses the URLs, as mirage-browser does', { timeout: 25 * 60_000 }, () => {
  it('PUTs a file, GETs it back and LISTs the prefix through the handler', async (t) => {
    const found = await ensureChromium()
    if (found.skip) {
      console.log(`# skipping the browser test: ${found.skip}`)
      t.skip(found.skip)
      return
    }
    const { chromium } = await import('playwright-core')

    const pageApp = express()
    const pageServer = http.createServer(pageApp)
    const pageBase = await listen(pageServer)
    const proxy = startCorsProxy(s3.port, pageBase)
    const proxyBase = await listen(proxy.server)
    // The browser's resource: signed for the proxy's address (the "bucket endpoint" the browser can reach).
    const viaProxy = new BackblazeResource({
      bucket: s3.bucket,
      region: REGION,
      endpoint: proxyBase,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    })
    pageApp.get('/', (req, res) => res.type('html').send(PAGE))
    pageApp.post('/presign/b2', createPresignHandler(viaProxy, { allowOps: ['GET', 'HEAD', 'LIST', 'PUT'], prefix: 'browser' }))

    const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'mirage-chromium-'))
    let context
    try {
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: found.exe,
        headless: true,
        args: CHROMIUM_FLAGS,
        timeout: 60_000,
      })
      const page = context.pages()[0] ?? (await context.newPage())
      page.setDefaultTimeout(30_000)
      const consoleLines = []
      page.on('console', (m) => consoleLines.push(m.text()))
      await page.goto(`${pageBase}/`, { waitUntil: 'load', timeout: 30_000 })
      await page.waitForFunction(() => window.mirageReady === true, null, { timeout: 30_000 })
      const text = 'written by Chromium ✓\nline 2\n'
      const out = await withTimeout(
        page.evaluate((args) => window.runMirageFlow(args), {
          key: 'browser/notes/from-chromium.txt',
          text,
          contentType: 'text/plain; charset=utf-8',
          prefix: 'browser/notes/',
        }),
        60_000,
        `browser flow (console: ${consoleLines.join(' | ')})`,
      )
      const host = new URL(proxyBase).host
      assert.deepEqual(out.put, { status: 200, host })
      assert.equal(out.get.status, 200)
      assert.equal(out.get.body, text)
      assert.equal(out.get.contentType, 'text/plain; charset=utf-8')
      assert.match(out.get.etag ?? '', /^"[0-9a-f]{32}"$/, 'etag exposed through CORS')
      assert.deepEqual(out.head, { status: 200, length: String(Buffer.byteLength(text)) })
      assert.deepEqual(out.list, { status: 200, keys: ['browser/notes/from-chromium.txt'], sizes: [Buffer.byteLength(text)] })
      assert.match(out.refused, /HTTP 400 .*ERR_PRESIGN_INVALID_PATH/)
      // It really went browser -> proxy -> s3s-fs, preflight included, and landed in the bucket.
      assert.equal(readFileSync(path.join(s3.bucketDir, 'browser/notes/from-chromium.txt'), 'utf8'), text)
      assert.ok(proxy.seen.includes(`OPTIONS /${s3.bucket}/browser/notes/from-chromium.txt`), proxy.seen.join(', '))
      assert.ok(proxy.seen.includes(`PUT /${s3.bucket}/browser/notes/from-chromium.txt`), proxy.seen.join(', '))
      assert.ok(proxy.seen.includes(`GET /${s3.bucket}`), proxy.seen.join(', '))
    } finally {
      if (context) await withTimeout(context.close(), 15_000, 'browser close').catch(() => {})
      rmSync(userDataDir, { recursive: true, force: true })
      await closeServer(pageServer)
      await closeServer(proxy.server)
    }
  })
})
