#!/usr/bin/env node
// mirage-native: run bash command lines over buckets and folders from a terminal. `mirage-native --help` for usage.
'use strict'

const path = require('node:path')

const USAGE = `Usage: mirage-native [OPTIONS] [--] [COMMAND...]

Runs COMMAND over the mounts as \`bash -c\` would, prints its stdout and stderr, and exits
with its exit code. COMMAND is one bash command line; several words are joined with
spaces, and options end at the first word.
Without COMMAND on a terminal: an interactive prompt. \`cd\` and \`export\` persist between
lines; \`exit [N]\` or Ctrl-D quits; Ctrl-C stops the running command.

Mounts (repeatable; mounts are read-only unless --write):
  --mount /PATH=b2://BUCKET        a Backblaze B2 bucket. Credentials and region from
                                   B2_ACCESS_KEY_ID, B2_SECRET_ACCESS_KEY, B2_REGION (e.g.
                                   us-west-004); B2_ENDPOINT overrides the endpoint.
  --mount /PATH=s3://BUCKET[/PREFIX]
                                   an S3-compatible bucket (only keys under PREFIX). Credentials
                                   from S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY, else
                                   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; region from
                                   S3_REGION, AWS_REGION or AWS_DEFAULT_REGION (default us-east-1);
                                   endpoint from --endpoint, S3_ENDPOINT or AWS_ENDPOINT_URL
                                   (default AWS).
  --mount /PATH=dir://FOLDER       a local folder.
  --mount /PATH=ram://             an empty in-memory folder (always writable).
  Without --mount, B2_BUCKET set mounts that bucket at /bucket/.

Options:
  --endpoint URL    the endpoint of s3:// mounts (e.g. http://127.0.0.1:9000; path-style)
  --write           mount read-write (writes and deletes reach the bucket or folder)
  --stdin           feed this program's standard input to COMMAND
  -c COMMAND        the command line (same as giving it as the last argument)
  -h, --help        print this help and exit
  -V, --version     print the version and exit

Exit status: COMMAND's exit status; 2 for a usage error or a mount that cannot be set up;
130 when interrupted.

Examples:
  B2_BUCKET=my-bucket B2_REGION=us-west-004 B2_ACCESS_KEY_ID=... B2_SECRET_ACCESS_KEY=... \\
    npx mirage-native 'grep -rn ERROR /bucket/logs | head'
  npx mirage-native --mount /data=dir://./data 'wc -l /data/*.csv'
  npx mirage-native --mount /s3=s3://my-bucket --endpoint http://127.0.0.1:9000 'ls -l /s3/'
`

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = { mounts: [], endpoint: undefined, write: false, stdin: false, help: false, version: false }
  const words = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const value = (name) => {
      const eq = a.indexOf('=')
      if (a.startsWith('--') && eq > 0) return a.slice(eq + 1)
      if (i + 1 >= argv.length) throw new UsageError(`option '${name}' needs a value`)
      return argv[++i]
    }
    if (a === '--') {
      words.push(...argv.slice(i + 1))
      break
    } else if (a === '-h' || a === '--help') opts.help = true
    else if (a === '-V' || a === '--version') opts.version = true
    else if (a === '--write') opts.write = true
    else if (a === '--stdin') opts.stdin = true
    else if (a === '--mount' || a.startsWith('--mount=')) opts.mounts.push(value('--mount'))
    else if (a === '--endpoint' || a.startsWith('--endpoint=')) opts.endpoint = value('--endpoint')
    else if (a === '-c') words.push(value('-c'))
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option '${a}'`)
    else {
      // The first word starts the command: what follows is its own (`mirage-native head -n 1 /bucket/a.txt`).
      words.push(...argv.slice(i))
      break
    }
  }
  opts.command = words.length ? words.join(' ') : undefined
  return opts
}

function env(...names) {
  for (const n of names) if (process.env[n]) return process.env[n]
  return undefined
}

function need(value, what, names) {
  if (!value) throw new UsageError(`${what}: set ${names.join(' or ')}`)
  return value
}

/** `/bucket=b2://name` -> [prefix '/bucket/', resource, kind]. */
function makeMount(spec, opts, binding) {
  const eq = spec.indexOf('=')
  if (eq <= 0) throw new UsageError(`--mount '${spec}': expected /PATH=SCHEME://TARGET`)
  let prefix = spec.slice(0, eq)
  const target = spec.slice(eq + 1)
  if (!prefix.startsWith('/')) throw new UsageError(`--mount '${spec}': the mount path must start with /`)
  if (!prefix.endsWith('/')) prefix += '/'
  const m = /^([a-z0-9]+):\/\/(.*)$/.exec(target)
  if (!m) throw new UsageError(`--mount '${spec}': expected b2://, s3://, dir:// or ram://`)
  const [, scheme, rest] = m
  switch (scheme) {
    case 'b2': {
      if (!rest || rest.includes('/')) throw new UsageError(`--mount '${spec}': expected b2://BUCKET`)
      const endpoint = env('B2_ENDPOINT')
      const region = endpoint ? env('B2_REGION') || 'us-east-1' : need(env('B2_REGION'), 'b2:// mounts need a region', ['B2_REGION'])
      return [
        prefix,
        new binding.BackblazeResource({
          bucket: rest,
          region,
          endpoint,
          accessKeyId: need(env('B2_ACCESS_KEY_ID'), 'b2:// mounts need a key ID', ['B2_ACCESS_KEY_ID']),
          secretAccessKey: need(env('B2_SECRET_ACCESS_KEY'), 'b2:// mounts need a key', ['B2_SECRET_ACCESS_KEY']),
        }),
        'b2',
      ]
    }
    case 's3': {
      const slash = rest.indexOf('/')
      const bucket = slash < 0 ? rest : rest.slice(0, slash)
      const keyPrefix = slash < 0 ? '' : rest.slice(slash + 1)
      if (!bucket) throw new UsageError(`--mount '${spec}': expected s3://BUCKET[/PREFIX]`)
      const config = {
        bucket,
        region: env('S3_REGION', 'AWS_REGION', 'AWS_DEFAULT_REGION') || 'us-east-1',
        endpoint: opts.endpoint || env('S3_ENDPOINT', 'AWS_ENDPOINT_URL'),
        accessKeyId: need(env('S3_ACCESS_KEY_ID', 'AWS_ACCESS_KEY_ID'), 's3:// mounts need a key ID', [
          'S3_ACCESS_KEY_ID',
          'AWS_ACCESS_KEY_ID',
        ]),
        secretAccessKey: need(env('S3_SECRET_ACCESS_KEY', 'AWS_SECRET_ACCESS_KEY'), 's3:// mounts need a secret', [
          'S3_SECRET_ACCESS_KEY',
          'AWS_SECRET_ACCESS_KEY',
        ]),
      }
      if (keyPrefix) config.keyPrefix = keyPrefix.endsWith('/') ? keyPrefix : keyPrefix + '/'
      return [prefix, new binding.S3Resource(config), 's3']
    }
    case 'dir': {
      if (!rest) throw new UsageError(`--mount '${spec}': expected dir://FOLDER`)
      return [prefix, new binding.DiskResource({ root: path.resolve(rest) }), 'dir']
    }
    case 'ram':
      if (rest) throw new UsageError(`--mount '${spec}': ram:// takes no target`)
      return [prefix, new binding.RAMResource(), 'ram']
    default:
      throw new UsageError(`--mount '${spec}': unknown scheme '${scheme}://' (b2, s3, dir, ram)`)
  }
}

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = []
    process.stdin.on('data', (c) => chunks.push(c))
    process.stdin.on('end', () => resolve(Buffer.concat(chunks)))
    process.stdin.on('error', reject)
  })
}

function writeOut(stream, bytes) {
  return new Promise((resolve) => {
    if (!bytes || bytes.length === 0) return resolve()
    stream.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), () => resolve())
  })
}

async function interactive(ws) {
  const readline = require('node:readline')
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true })
  let last = 0
  let running = null
  const prompt = () => {
    rl.setPrompt(`${ws.cwd}$ `)
    rl.prompt()
  }
  rl.on('SIGINT', () => {
    if (running) running.abort()
    else {
      process.stdout.write('^C\n')
      rl.line && rl.write(null, { ctrl: true, name: 'u' })
      prompt()
    }
  })
  prompt()
  for await (const line of rl) {
    const exit = /^\s*exit(?:\s+(\d+))?\s*$/.exec(line)
    if (exit) {
      last = exit[1] !== undefined ? Number(exit[1]) & 255 : last
      break
    }
    if (line.trim()) {
      running = new AbortController()
      try {
        const res = await ws.execute(line, { signal: running.signal })
        await writeOut(process.stdout, res.stdout)
        await writeOut(process.stderr, res.stderr)
        last = res.exitCode
      } catch (e) {
        if (e && e.name === 'AbortError') {
          process.stdout.write('\n')
          last = 130
        } else {
          process.stderr.write(`mirage-native: ${e && e.message}\n`)
          last = 1
        }
      }
      running = null
    }
    prompt()
  }
  rl.close()
  return last
}

async function main(argv) {
  let opts
  try {
    opts = parseArgs(argv)
  } catch (e) {
    if (!(e instanceof UsageError)) throw e
    process.stderr.write(`mirage-native: ${e.message}\nTry 'mirage-native --help' for more information.\n`)
    return 2
  }
  if (opts.help) {
    process.stdout.write(USAGE)
    return 0
  }
  if (opts.version) {
    process.stdout.write(`${require('./package.json').version}\n`)
    return 0
  }
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY)
  if (opts.command === undefined && !tty) {
    process.stderr.write(
      `${USAGE.split('\n')[0]}\nmirage-native: no COMMAND given and standard input is not a terminal\n` +
        `Try 'mirage-native --help' for more information.\n`,
    )
    return 2
  }

  let binding
  try {
    binding = require('./platform.js').loadBinding()
  } catch (e) {
    process.stderr.write(`${e.message}\n`)
    return 1
  }

  const resources = {}
  const modeOverrides = {}
  try {
    const specs = opts.mounts.length ? opts.mounts : env('B2_BUCKET') ? [`/bucket=b2://${env('B2_BUCKET')}`] : []
    if (!specs.length) throw new UsageError('nothing to mount: give --mount /PATH=b2://BUCKET (or dir://, s3://, ram://) or set B2_BUCKET')
    for (const spec of specs) {
      const [prefix, resource, kind] = makeMount(spec, opts, binding)
      if (resources[prefix]) throw new UsageError(`--mount: ${prefix} is mounted twice`)
      resources[prefix] = resource
      if (kind === 'ram') modeOverrides[prefix] = 'write'
    }
  } catch (e) {
    process.stderr.write(`mirage-native: ${e.message}\n`)
    return 2
  }
  let ws
  try {
    ws = new binding.Workspace(resources, { mode: opts.write ? 'write' : 'read', modeOverrides })
  } catch (e) {
    process.stderr.write(`mirage-native: ${e.message}\n`)
    return 2
  }

  try {
    if (opts.command === undefined) return await interactive(ws)

    const ac = new AbortController()
    const onSigint = () => ac.abort()
    process.on('SIGINT', onSigint)
    try {
      const execOpts = { signal: ac.signal }
      if (opts.stdin) execOpts.stdin = new Uint8Array(await readStdin())
      const res = await ws.execute(opts.command, execOpts)
      await writeOut(process.stdout, res.stdout)
      await writeOut(process.stderr, res.stderr)
      return res.exitCode
    } catch (e) {
      if (e && e.name === 'AbortError') return 130
      process.stderr.write(`mirage-native: ${e && e.message}\n`)
      return 1
    } finally {
      process.off('SIGINT', onSigint)
    }
  } finally {
    await ws.close()
  }
}

if (require.main === module) {
  // `mirage-native 'cat /bucket/big' | head -1`: the reader went away; stop quietly, as GNU tools do on SIGPIPE.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e) => {
      if (e && e.code === 'EPIPE') process.exit(141)
      throw e
    })
  }
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (e) => {
      process.stderr.write(`mirage-native: ${(e && e.stack) || e}\n`)
      process.exitCode = 1
    },
  )
}

module.exports = { main, parseArgs, USAGE }
