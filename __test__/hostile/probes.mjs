// The probes of the hostile-input suite: data, generated where that is shorter than a list. Each probe is
//   { id, cls, cmd, opts, via, setup, mounts, wsOptions, expect, rssCapMiB, ... }
// The parent (hostile.test.mjs) sends the JSON-safe part to a child (runner.mjs) and checks `expect` itself, so
// regular expressions never cross the process boundary.
//
// expect:
//   exit       a number, an array of numbers, 'nonzero' or 'any'        (default 'any' when `alt` is given)
//   stderr     a RegExp stderr must match;  stdout / stdoutNot: RegExps for stdout
//   alt        [{ exit, stderr, stdout }]: the result must match one of these instead of exit/stderr
//   reject     'AbortError' (the call must reject with that name), 'either' (resolve or reject), else it must resolve
//   settleWithinMs   the call must settle this soon after it started
// Probe-level limits (defaults in hostile.test.mjs): rssCapMiB 1024, latencyCapMs 250, cpuMaxPct 15, wallMs 20000.

export const NEST_RE = /nest|deep|recurs|too many|too big|limit|exceed/i
export const ENOMEM_RE = /Cannot allocate memory/
export const TIMEOUT = { exit: 124, stderr: /timed out/ }
export const ENOMEM = { exit: 'any', stderr: ENOMEM_RE }
/** Brace expansion refused past its word limit, with a message. */
export const BRACE_LIMIT = { exit: 'any', stderr: /brace expansion: (more than|failed to allocate memory for)/ }
/** The command ran out of memory or time: both are acceptable endings of an unbounded command. */
export const MEMORY_OR_TIMEOUT = [TIMEOUT, ENOMEM]
/** The output cap (maxOutputBytes) stopped it. */
export const OUTPUT_CAP = { exit: 'any', stderr: /output truncated|maxOutputBytes|output exceeds/ }

/** Default deadline of a probe's execute: long enough for a debug build, short enough to keep the suite fast. */
export const DEFAULT_TIMEOUT_MS = 5000

const N = 2000 // 10x the nesting limit of 200
const DEEP_DIR_LEVELS = 4000

/** Backticks nested `depth` deep, escaped the way bash needs (2^k backslashes at level k). */
function backticks(depth, inner) {
  let s = inner
  for (let i = 0; i < depth; i++) s = '`echo ' + s.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`'
  return s
}

export function buildProbes({ endless = 'ENDLESS_ENDPOINT', fixtures = {} } = {}) {
  const probes = []
  const add = (p) => {
    probes.push({
      via: 'execute',
      ...p,
      opts: p.via === 'construct' ? undefined : { timeoutMs: DEFAULT_TIMEOUT_MS, ...(p.opts ?? {}) },
    })
  }

  // ---------------------------------------------------------------------------------------------------------------
  // (1) Nesting of every construct at 10x the 200 limit: a clean error (exit 2; awk/jq/find: their own codes).
  const nest = (id, cmd, exit = 2, extra = {}) =>
    add({ id: `nest/${id}`, cls: 'nesting', cmd, expect: { exit, stderr: NEST_RE }, ...extra })
  nest('brace-group', '{ '.repeat(N) + 'true' + '; }'.repeat(N))
  nest('if', 'if true; then '.repeat(N) + 'true' + '; fi'.repeat(N))
  nest('while', 'while false; do '.repeat(N) + 'true' + '; done'.repeat(N))
  nest('until', 'until true; do '.repeat(N) + 'true' + '; done'.repeat(N))
  nest('for', 'for x in a; do '.repeat(N) + 'true' + '; done'.repeat(N))
  nest('case', 'case a in a) '.repeat(N) + 'true' + ';; esac'.repeat(N))
  nest('function-def', 'f() { '.repeat(N) + 'true' + '; }'.repeat(N))
  nest('subshell', '( '.repeat(N) + 'true' + ' )'.repeat(N))
  nest('cmdsubst', 'echo ' + '$(echo '.repeat(N) + 'x' + ')'.repeat(N))
  nest('cmdsubst-quoted', 'echo "' + '$(echo "'.repeat(N) + 'x' + '")'.repeat(N) + '"')
  nest('backticks-in-cmdsubst', 'echo ' + '$(echo '.repeat(N - 10) + backticks(10, 'x') + ')'.repeat(N - 10))
  nest('procsubst', 'cat ' + '<(cat '.repeat(N) + '/dev/null' + ')'.repeat(N), [1, 2])
  nest('dbracket-parens', '[[ ' + '( '.repeat(N) + 'a' + ' )'.repeat(N) + ' ]]')
  // Expansion-time nesting (brace, arithmetic, subscripts, patterns) may end as an expansion error (bash: 1).
  nest('brace-expansion', 'echo ' + '{a,'.repeat(N) + 'a' + '}'.repeat(N), [1, 2])
  // bash 5.2 evaluates these; here a pattern nested past 200 groups matches nothing (README lists it): the probe
  // checks the line ends at once and cleanly.
  const deepPattern = (id, cmd) => add({ id: `nest/${id}`, cls: 'nesting', cmd, expect: { exit: [0, 1], stderr: /^$/ } })
  deepPattern('extglob-dbracket', 'shopt -s extglob\n[[ a == ' + '+('.repeat(N) + 'a' + ')'.repeat(N) + ' ]]')
  deepPattern('extglob-case', 'shopt -s extglob\ncase a in ' + '@('.repeat(N) + 'a' + ')'.repeat(N) + ') echo y;; esac')
  deepPattern('extglob-param', 'shopt -s extglob\nx=a; echo ${x##' + '+('.repeat(N) + 'a' + ')'.repeat(N) + '}')
  nest('arith-parens', 'echo $((' + '('.repeat(N) + '1' + ')'.repeat(N) + '))', [1, 2])
  nest('arith-expansions', 'echo ' + '$(('.repeat(N) + '1' + '))'.repeat(N), [1, 2])
  nest('param-default', 'echo ' + '${x:-'.repeat(N) + 'y' + '}'.repeat(N))
  nest('param-pattern', 'x=a; echo ' + '${x/'.repeat(N) + 'a' + '/b}'.repeat(N))
  nest('array-index', 'a=(1); echo ' + '${a['.repeat(N) + '0' + ']}'.repeat(N), [1, 2])
  nest('awk-parens', `awk 'BEGIN{print ${'('.repeat(N)}1${')'.repeat(N)}}'`, [1, 2, 3])
  nest('awk-blocks', `awk 'BEGIN${'{'.repeat(N)}print 1${'}'.repeat(N)}'`, [1, 2, 3])
  nest('awk-if', `awk 'BEGIN{${'if (1) '.repeat(N)}print 1}'`, [1, 2, 3])
  nest('awk-unary', `awk 'BEGIN{print ${'!'.repeat(N)}1}'`, [1, 2, 3])
  nest('awk-regex', `awk '/${'('.repeat(N)}a${')'.repeat(N)}/' /dev/null`, [1, 2, 3])
  nest('jq-parens', `jq -n '${'('.repeat(N)}1${')'.repeat(N)}'`, [2, 3])
  nest('jq-arrays', `jq -n '${'['.repeat(N)}1${']'.repeat(N)}'`, [2, 3])
  nest('jq-objects', `jq -n '${'{a:'.repeat(N)}1${'}'.repeat(N)}'`, [2, 3])
  nest('jq-if', `jq -n '${'if true then '.repeat(N)}1${' else 0 end'.repeat(N)}'`, [2, 3])
  nest('jq-pipes', `jq -n '${'(1|'.repeat(N)}1${')'.repeat(N)}'`, [2, 3])
  // Nested definitions are not nested expressions: jaq compiles them flat, and jq 1.6 runs this too.
  add({ id: 'nest/jq-defs', cls: 'nesting', cmd: `jq -n '${'def a: '.repeat(N)}1${'; a'.repeat(N)}'`, expect: { exit: [0, 2, 3] } })
  nest('jq-regex', `jq -n '"a" | test("${'('.repeat(N)}a${')'.repeat(N)}")'`, [2, 3, 5])
  nest('find-parens', 'cd /data && find . ' + '\\( '.repeat(N) + '-name x' + ' \\)'.repeat(N), [1, 2])
  // test and [ keep open parentheses on an explicit stack: any depth works, as in bash.
  add({ id: 'nest/test-parens', cls: 'nesting', cmd: 'test ' + '\\( '.repeat(N) + 'a' + ' \\)'.repeat(N), expect: { exit: 0, stderr: /^$/ } })
  add({ id: 'nest/bracket-parens', cls: 'nesting', cmd: '[ ' + '\\( '.repeat(N) + 'a' + ' \\)'.repeat(N) + ' ]', expect: { exit: 0, stderr: /^$/ } })
  nest('grep-ere', `echo a | grep -E '${'('.repeat(N)}a${')'.repeat(N)}'`)
  nest('grep-bre', `echo a | grep '${'\\('.repeat(N)}a${'\\)'.repeat(N)}'`)
  nest('sed-ere', `echo a | sed -E 's/${'('.repeat(N)}a${')'.repeat(N)}/b/'`, [1, 2, 4])
  nest('rg-regex', `echo a | rg '${'('.repeat(N)}a${')'.repeat(N)}'`)
  // Not nesting in bash's grammar, but recursive in naive parsers: must not crash (any clean ending).
  const flat = (id, cmd, exit) => add({ id: `nest/${id}`, cls: 'nesting', cmd, expect: { exit } })
  flat('arith-ternary-chain', 'echo $((' + '1?'.repeat(N) + '1' + ':0'.repeat(N) + '))', [0, 1, 2])
  flat('arith-unary-chain', 'echo $((' + '~'.repeat(N) + '1))', [0, 1, 2])
  flat('dbracket-not-chain', '[[ ' + '! '.repeat(N) + 'a ]]', [0, 1, 2])
  flat('test-not-chain', 'test ' + '! '.repeat(N) + 'a', [0, 1, 2])
  flat('find-not-chain', 'find /data ' + '! '.repeat(N) + '-name x', [0, 1, 2])
  flat('sed-blocks', `echo a | sed -n '${'{'.repeat(N)}p${'}'.repeat(N)}'`, [0, 1, 4])
  flat('and-chain-20000', 'true' + ' && true'.repeat(20000) + '; echo done', [0, 2])
  flat('pipeline-2000-stages', 'echo x' + ' | cat'.repeat(N), [0, 1, 2])
  flat('semicolons-20000', 'true;'.repeat(20000) + 'echo done', [0])
  flat('long-word-1M', 'echo ' + 'a'.repeat(1_000_000) + ' | wc -c', [0])
  // Within the limit: nesting real scripts use must keep working.
  const ok = (id, cmd, stdout) =>
    add({ id: `nest-ok/${id}`, cls: 'nesting', cmd, expect: { exit: 0, ...(stdout ? { stdout } : {}) } })
  const M = 50
  ok('brace-group-50', '{ '.repeat(M) + 'echo ok' + '; }'.repeat(M), /^ok\n$/)
  ok('if-50', 'if true; then '.repeat(M) + 'echo ok' + '; fi'.repeat(M), /^ok\n$/)
  ok('subshell-50', '( '.repeat(M) + 'echo ok' + ' )'.repeat(M), /^ok\n$/)
  ok('cmdsubst-50', 'echo ' + '$(echo '.repeat(M) + 'x' + ')'.repeat(M), /^x\n$/)
  ok('backticks-12', 'echo ' + backticks(12, 'hi'), /^hi\n$/)
  ok('param-default-50', 'echo ' + '${x:-'.repeat(M) + 'y' + '}'.repeat(M), /^y\n$/)
  ok('arith-50', 'echo $((' + '('.repeat(M) + '1' + ')'.repeat(M) + '))', /^1\n$/)
  ok('brace-expansion-50', 'echo ' + '{a,'.repeat(M) + 'a' + '}'.repeat(M), new RegExp(`^a( a){${M}}\\n$`))
  ok('dbracket-50', '[[ ' + '( '.repeat(M) + 'a' + ' )'.repeat(M) + ' ]] && echo ok', /^ok\n$/)
  ok('awk-50', `awk 'BEGIN{print ${'('.repeat(M)}1${')'.repeat(M)}}'`, /^1\n$/)
  ok('jq-50', `jq -c -n '${'['.repeat(M)}1${']'.repeat(M)}'`, new RegExp(`^\\[{${M}}1\\]{${M}}\\n$`))
  ok('test-50', 'test ' + '\\( '.repeat(M) + 'a' + ' \\)'.repeat(M) + ' && echo ok', /^ok\n$/)
  ok('find-50', 'find /data ' + '\\( '.repeat(M) + '-name data' + ' \\)'.repeat(M) + ' | wc -l', /^\d+\n$/)

  // ---------------------------------------------------------------------------------------------------------------
  // (2) Recursion.
  const rec = (id, cmd, expect, extra = {}) => add({ id: `recursion/${id}`, cls: 'recursion', cmd, expect, ...extra })
  const REC_ERR = { exit: 'nonzero', stderr: NEST_RE }
  rec('function-endless', 'f(){ f; }; f', REC_ERR)
  rec('function-mutual', 'a(){ b; }; b(){ a; }; a', REC_ERR)
  rec('function-cmdsubst', 'f(){ echo $(f); }; f', { exit: 'any', stderr: NEST_RE })
  rec('function-subshell', 'f(){ (f); }; f', REC_ERR)
  rec('function-300', 'f(){ if [ $1 -lt 300 ]; then f $(($1+1)); fi; }; f 0; echo rc=$?', { exit: 0, stdout: /^rc=0\n$/ })
  rec('function-999', 'f(){ if [ $1 -lt 999 ]; then f $(($1+1)); else echo bottom $1; fi; }; f 0', {
    exit: 0,
    stdout: /^bottom 999\n$/,
  })
  rec('function-cmdsubst-300', 'f(){ if [ $1 -lt 300 ]; then echo $(f $(($1+1))); else echo bottom; fi; }; f 0', {
    exit: 0,
    stdout: /^bottom\n$/,
  })
  rec('fact-cmdsubst-150', 'fact(){ if [ $1 -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(($1-1))) )); fi; }; fact 150', {
    exit: 0,
    stdout: /^0\n$/,
  })
  rec('fact-cmdsubst-20', 'fact(){ if [ $1 -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(($1-1))) )); fi; }; fact 20', {
    exit: 0,
    stdout: /^2432902008176640000\n$/,
  })
  rec('eval-self', `x='eval "$x"'; eval "$x"`, REC_ERR)
  rec('source-self', 'source /data/s', REC_ERR, { setup: [{ cmd: "echo 'source /data/s' > /data/s" }] })
  rec('dot-self', '. /data/s', REC_ERR, { setup: [{ cmd: "echo '. /data/s' > /data/s" }] })
  rec('source-mutual', 'source /data/s1', REC_ERR, {
    setup: [{ cmd: "echo 'source /data/s2' > /data/s1; echo 'source /data/s1' > /data/s2" }],
  })
  rec('trap-err-false', 'trap false ERR; false', { exit: 1 })
  rec('trap-err-twice', "trap 'false; false' ERR; false", { exit: 1 })
  rec('trap-err-function', 'f(){ false; }; trap f ERR; false', { exit: 1 })
  rec('trap-err-retrap', "trap 'trap false ERR; false' ERR; false", { exit: 1 })
  rec('trap-exit', "trap 'echo bye' EXIT; exit 3", { exit: 3, stdout: /^bye\n$/ })
  rec('trap-exit-exit', "trap 'exit 4' EXIT; exit 3", { exit: 4 })
  rec('alias-self', 'shopt -s expand_aliases\nalias a=a\na', { exit: [1, 2, 127] })
  rec('awk-recursion', `awk 'function f(n) { return f(n + 1) } BEGIN { f(0) }'`, { exit: [1, 2], stderr: NEST_RE })
  rec('awk-recursion-300', `awk 'function f(n) { return n < 300 ? f(n + 1) : n } BEGIN { print f(0) }'`, { exit: 0, stdout: /^300\n$/ })
  rec('jq-recursion-nontail', `jq -n 'def f: 1 + f; f'`, { exit: 'nonzero', stderr: NEST_RE })
  rec('jq-recurse-300', `jq -n '0 | [limit(300; recurse(. + 1))] | length'`, { exit: 0, stdout: /^300\n$/ })
  rec('pipe-fork-bomb', 'f(){ f | f; }; f', { alt: [TIMEOUT, REC_ERR, ENOMEM] }, { opts: { timeoutMs: 2000 } })
  rec('background-fork-bomb', ':(){ :|:& };:', { exit: 'any' }, { opts: { timeoutMs: 2000 } })

  // A directory 4,000 levels deep on a RAM mount, then every walker over it.
  const deep = '/data/' + 'd/'.repeat(DEEP_DIR_LEVELS)
  const deepSetup = [{ cmd: `mkdir -p ${deep} && touch ${deep}leaf` }]
  const walk = (id, cmd, exit = [0, 1, 2]) =>
    add({ id: `deepdir/${id}`, cls: 'recursion', cmd, setup: deepSetup, expect: { exit }, opts: { timeoutMs: 4000 } })
  walk('find', 'find /data | wc -l')
  walk('du', 'du -s /data')
  walk('ls-R', 'ls -R /data | wc -l')
  walk('tree', 'tree /data | tail -n 1')
  walk('grep-r', 'grep -r x /data')
  walk('cp-r', 'cp -r /data/d /data/e')
  walk('rm-r', 'rm -r /data/d')
  walk('cd-pwd', `cd ${deep} && pwd | wc -c`)
  walk('stat-leaf', `stat -c %s ${deep}leaf`)

  // ---------------------------------------------------------------------------------------------------------------
  // (3) jq / awk / sed pathologies, and the host environment.
  const tool = (id, cmd, expect, extra = {}) => add({ id: `tools/${id}`, cls: 'tools', cmd, expect, ...extra })
  tool('jq-halt', `jq -n 'halt'; echo rc=$?`, { exit: 0, stdout: /^rc=0\n$/ })
  tool('jq-halt-only', `jq -n 'halt'`, { exit: 0 })
  tool('jq-halt-error', `jq -n '"x"|halt_error'`, { exit: 5, stderr: /^x/ })
  tool('jq-halt-error-object', `jq -n '{"a":1}|halt_error'; echo rc=$?`, { exit: 0, stdout: /^rc=5\n$/, stderr: /"a"/ })
  tool('jq-halt-error-1', `jq -n '"bye\\n"|halt_error(1)'`, { exit: 1, stderr: /bye/ })
  tool('jq-env', `jq -n env`, { exit: 0, stdoutNot: /HOSTILE_SECRET/ })
  tool('jq-ENV', `jq -n '$ENV'`, { exit: 0, stdoutNot: /HOSTILE_SECRET/ })
  tool('jq-ENV-secret', `jq -n '$ENV.HOSTILE_SECRET'`, { exit: 0, stdout: /^null\n$/ })
  tool('jq-env-secret', `jq -n 'env.HOSTILE_SECRET'`, { exit: 0, stdout: /^null\n$/ })
  tool('jq-env-shell-export', `export FOO=bar; jq -n 'env.FOO'`, { exit: 0, stdout: /^"bar"\n$/ })
  tool('awk-ENVIRON', `awk 'BEGIN { print ENVIRON["HOSTILE_SECRET"] "|" length(ENVIRON) }'`, { exit: 0, stdout: /^\|\d+\n$/ })
  tool('shell-var', 'echo "[$HOSTILE_SECRET]"', { exit: 0, stdout: /^\[\]\n$/ })
  tool('env-grep', 'env | grep HOSTILE', { exit: 1 })
  tool('set-grep', 'set | grep HOSTILE', { exit: 1 })
  tool('jq-def-f-f', `jq -n 'def f: f; f'`, { alt: [TIMEOUT, { exit: 'nonzero', stderr: NEST_RE }] }, { opts: { timeoutMs: 2000 } })
  tool('jq-range-1e9', `jq -n '[range(1e9)]'`, { alt: MEMORY_OR_TIMEOUT }, { opts: { timeoutMs: 3000 } })
  tool('jq-repeat', `jq -n 'repeat(1)'`, { alt: [TIMEOUT, ENOMEM, OUTPUT_CAP] }, { opts: { timeoutMs: 3000 } })
  // jq 1.6 answers null (exit 0) without allocating; an error or ENOMEM is fine too, an abort is not.
  tool('jq-string-times', `jq -n '"abcd" * 100000000000'`, { alt: [TIMEOUT, ENOMEM, { exit: 5 }, { exit: 0, stdout: /^null\n$/ }] })
  tool('jq-range-step-0', `jq -n '[range(0; 10; 0)] | length'`, { alt: [...MEMORY_OR_TIMEOUT, { exit: 0 }, { exit: 5 }] }, { opts: { timeoutMs: 3000 } })
  tool('jq-setpath-huge', `jq -n '[] | .[1000000000] = 1 | length'`, { alt: [...MEMORY_OR_TIMEOUT, { exit: 5 }] })
  tool('jq-deep-value', `jq -n 'reduce range(100000) as $x (null; [.]) | tojson | length'`, {
    alt: [...MEMORY_OR_TIMEOUT, { exit: 0 }, { exit: 5, stderr: NEST_RE }],
  })
  tool('jq-deep-value-print', `jq -c -n 'reduce range(100000) as $x (null; [.])' | wc -c`, {
    alt: [...MEMORY_OR_TIMEOUT, { exit: 0 }, { exit: 5, stderr: NEST_RE }],
  })
  const deepJson = '['.repeat(5600) + ']'.repeat(5600)
  const deepObj = '{"a":'.repeat(5600) + '1' + '}'.repeat(5600)
  // jq 1.6 documents exit 2 for this; the jq 1.6 binary of Debian/Ubuntu exits 4. Either is jq's answer.
  const depthErr = { exit: [2, 4], stderr: /Exceeds depth limit for parsing/ }
  tool('jq-input-depth-5600', 'jq . /data/deep.json', depthErr, { setup: [{ text: deepJson, to: '/data/deep.json' }] })
  tool('jq-input-depth-objects', 'jq . /data/deep.json', depthErr, { setup: [{ text: deepObj, to: '/data/deep.json' }] })
  tool('jq-input-depth-stdin', 'cat /data/deep.json | jq -c .', depthErr, { setup: [{ text: deepJson, to: '/data/deep.json' }] })
  tool('jq-input-depth-256-ok', 'jq -c . /data/ok.json', { exit: 0 }, { setup: [{ text: '['.repeat(200) + ']'.repeat(200), to: '/data/ok.json' }] })
  tool('jq-fromjson-deep', `jq -n '("[" * 100000) + ("]" * 100000) | fromjson | length'`, { exit: 'nonzero', stderr: /depth|nest|limit/i })
  tool('sed-loop', `echo x | sed ':a;ba'`, { alt: [TIMEOUT] }, { opts: { timeoutMs: 1500 } })
  tool('sed-grow', `echo a | sed ':a;s/a/aa/;ba'`, { alt: MEMORY_OR_TIMEOUT }, { opts: { timeoutMs: 2000 } })
  tool('sed-double', `echo a | sed ':a;s/a*/&&/;ba'`, { alt: MEMORY_OR_TIMEOUT }, {
    opts: { timeoutMs: 3000 },
    knownOpen: 'one regex substitution over a pattern space of hundreds of MB is not interrupted midway: the thread may run on for a second or two after the deadline',
  })
  tool('sed-N-accumulate', `seq 1 100000000 | sed ':a;N;ba'`, { alt: MEMORY_OR_TIMEOUT }, { opts: { timeoutMs: 3000 } })
  tool('awk-while-1', `awk 'BEGIN{while(1);}'`, { alt: [TIMEOUT] }, { opts: { timeoutMs: 1500 } })
  tool('awk-NF-1e9', `echo a | awk '{NF=1e9; print}' | wc -c`, { alt: [...MEMORY_OR_TIMEOUT, { exit: [1, 2] }] })
  tool('awk-field-1e9', `echo a | awk '{$1000000000="x"; print length($0)}'`, { alt: [...MEMORY_OR_TIMEOUT, { exit: [1, 2] }] })
  tool('awk-string-doubling', `awk 'BEGIN{s="a"; while(1) s = s s}'`, { alt: MEMORY_OR_TIMEOUT }, { opts: { timeoutMs: 3000 } })
  tool('awk-array-fill', `awk 'BEGIN{for(i=0;;i++) a[i]=i}'`, { alt: MEMORY_OR_TIMEOUT }, { opts: { timeoutMs: 3000 } })
  tool('awk-sprintf-width', `awk 'BEGIN{s=sprintf("%1000000000d", 1); print length(s)}'`, {
    alt: [...MEMORY_OR_TIMEOUT, { exit: 0 }, { exit: [1, 2] }],
  })

  // ---------------------------------------------------------------------------------------------------------------
  // (4) Absurd size arguments: an error or bounded work, never a crash, an `internal error` or a runaway.
  const SIZE_OK = [0, 1, 2]
  const size = (id, cmd, expect = { exit: SIZE_OK }, extra = {}) =>
    add({ id: `size/${id}`, cls: 'size', cmd, expect, setup: [{ text: 'hello\nworld\n', to: '/data/f' }], ...extra })
  const BIG = '99999999999999999999'
  size('nl-w', 'nl -w 1000000000000 /data/f', { exit: 1, stderr: /nl: invalid line number field width/ })
  size('nl-v-max', 'nl -v 9223372036854775807 /data/f')
  size('expand-t', 'expand -t 1000000000000 /data/f')
  size('stat-width', "stat -c '%99999999999999n' /data/f")
  size('xxd-c', 'xxd -c 10000000000 /data/f', { exit: [1, 2], stderr: /xxd:/ })
  size('xxd-s', `xxd -s ${BIG} /data/f`, { exit: [0, 1, 2, 4] })
  size('seq-f-width', "seq -f '%1000000000f' 1 1", { alt: [{ exit: SIZE_OK }, OUTPUT_CAP, ENOMEM] })
  size('printf-star-precision', "printf '%.*d' 100000000 1", { alt: [{ exit: SIZE_OK }, OUTPUT_CAP, ENOMEM] })
  size('printf-star-precision-wc', "printf '%.*d' 100000000 1 | wc -c", { alt: [{ exit: 0, stdout: /^100000000\n$/ }, { exit: SIZE_OK }, ENOMEM] })
  size('printf-precision-2e9', "printf '%.2000000000f' 1", { alt: [{ exit: SIZE_OK }, OUTPUT_CAP, ENOMEM] })
  size('printf-width-2e9', "printf '%2000000000d' 1 | wc -c", { alt: [{ exit: SIZE_OK }, ENOMEM, TIMEOUT] })
  size('printf-star-width-2^31', "printf '%*d' 2147483648 1 | wc -c", { alt: [{ exit: SIZE_OK }, ENOMEM, TIMEOUT] })
  size('printf-width-huge', `printf '%${BIG}d' 1`)
  size('printf-v-width', "printf -v x '%*s' 1000000000 ''; echo ${#x}", { alt: [{ exit: SIZE_OK }, ENOMEM] })
  size('printf-d-overflow', `printf '%d\\n' ${BIG}`, { exit: [0, 1], stdout: /^9223372036854775807\n$/ })
  size('date-days-ago', "date -d '1000000000000 days ago'", { exit: 1, stderr: /invalid date/ })
  size('date-epoch-huge', `date -d '@${BIG}'`, { exit: 1 })
  size('date-seconds-max', "date -d '+9223372036854775807 seconds'", { exit: [0, 1] })
  size('date-format-width', 'date +%999999999999Y | wc -c')
  size('head-c', `head -c ${BIG} /data/f`)
  size('head-n-2^63', 'head -n 9223372036854775808 /data/f')
  size('tail-n', `tail -n ${BIG} /data/f`)
  size('fold-w', 'fold -w 1000000000000 /data/f')
  size('cut-range', `cut -c 1-${BIG} /data/f`)
  size('split-a', 'cd /data && split -a 1000000 f p')
  size('split-n', 'cd /data && split -n 1000000000 f p', { alt: [{ exit: [1, 2] }, ...MEMORY_OR_TIMEOUT] })
  size('shuf-n', `shuf -n ${BIG} -i 1-3 | wc -l`)
  size('shuf-i-huge', `shuf -i 1-${BIG} | head -n 1`, { alt: [{ exit: SIZE_OK }, ...MEMORY_OR_TIMEOUT] })
  size('shuf-i-1e9', 'shuf -i 1-1000000000 | head -n 1', { alt: [{ exit: SIZE_OK }, ...MEMORY_OR_TIMEOUT] })
  size('sort-k', `sort -k ${BIG} /data/f`)
  size('uniq-f', `uniq -f ${BIG} /data/f`)
  size('tree-L', 'tree -L 1000000000000 /data')
  size('find-maxdepth', `find /data -maxdepth ${BIG}`)
  size('du-max-depth', `du --max-depth=${BIG} /data`)
  size('grep-m', `grep -m ${BIG} hello /data/f`)
  size('rg-A', `rg -A ${BIG} hello /data/f`)
  size('diff-U', `diff -U ${BIG} /data/f /data/f`)
  size('xargs-n', `xargs -n ${BIG} echo < /data/f`)
  size('xargs-P', 'xargs -P 1000000 -n 1 echo < /data/f', { exit: SIZE_OK })
  size('sed-s-flag', `sed 's/l/L/${BIG}' /data/f`, { exit: [0, 1, 4] })
  size('jq-indent', 'jq --indent 1000000000 . /data/j', { exit: [0, 1, 2, 5] }, { setup: [{ text: '[1]', to: '/data/j' }] })
  size('jq-limit', `jq -n '[limit(${BIG}; 1)]'`, { exit: [0, 5] })
  size('awk-substr', `awk 'BEGIN{print substr("abc", -1e300, 1e300)}'`, { exit: [0, 2] })
  size('awk-printf-width', `awk 'BEGIN{printf "%1000000000d", 1}' | wc -c`, { alt: [{ exit: SIZE_OK }, ENOMEM] })
  size('sleep-huge', `sleep ${BIG}`, { alt: [TIMEOUT, { exit: 1 }] }, { opts: { timeoutMs: 1000 } })
  size('sleep-inf', 'sleep inf', { alt: [TIMEOUT, { exit: 1 }] }, { opts: { timeoutMs: 1000 } })
  size('seq-max', 'seq 9223372036854775806 9223372036854775807', { exit: 0, stdout: /^9223372036854775806\n9223372036854775807\n$/ })
  size('seq-tiny-step', 'seq 1 0.000000000000000001 2 | head -n 2', { alt: [{ exit: SIZE_OK }, TIMEOUT] })
  // Integer edges of shell arithmetic and expansions (an overflow must never panic).
  const arith = (id, cmd, expect = { exit: [0, 1] }) => size(`arith-${id}`, cmd, expect)
  arith('min-div-neg1', 'echo $(( -9223372036854775808 / -1 ))')
  arith('min-mod-neg1', 'echo $(( -9223372036854775808 % -1 ))')
  arith('max-plus-1', 'echo $(( 9223372036854775807 + 1 ))', { exit: 0, stdout: /^-9223372036854775808\n$/ })
  arith('max-times-2', 'echo $(( 9223372036854775807 * 2 ))', { exit: 0, stdout: /^-2\n$/ })
  arith('min-minus-2', 'echo $(( -9223372036854775807 - 2 ))', { exit: 0, stdout: /^9223372036854775807\n$/ })
  arith('neg-min', 'x=-9223372036854775807; echo $(( -(x-1) ))', { exit: 0, stdout: /^-9223372036854775808\n$/ })
  arith('pow-64', 'echo $(( 2 ** 64 ))', { exit: 0, stdout: /^0\n$/ })
  arith('pow-huge', 'echo $(( 3 ** 9223372036854775807 ))', { exit: [0, 1] })
  arith('pow-negative', 'echo $(( 2 ** -1 ))', { exit: 1, stderr: /exponent less than 0/ })
  arith('shift-64', 'echo $(( 1 << 64 ))')
  arith('shift-negative', 'echo $(( 1 << -1 ))')
  arith('literal-huge', `echo $(( ${BIG} ))`)
  arith('base64-huge', 'echo $(( 64#zzzzzzzzzzzzzzzzzzzzzzzz ))')
  arith('base-65', 'echo $(( 65#1 ))', { exit: 1 })
  arith('div-zero', 'echo $(( 1 / 0 ))', { exit: 1, stderr: /division by 0/ })
  arith('let-inc-max', 'x=9223372036854775807; let x++; echo $x', { exit: 0, stdout: /^-9223372036854775808\n$/ })
  arith('substr-offset-max', 'x=abc; echo "[${x:9223372036854775807}]"', { exit: 0, stdout: /^\[\]\n$/ })
  arith('substr-offset-min', 'x=abc; echo "[${x: -9223372036854775808}]"')
  arith('substr-length-min', 'x=abc; echo "[${x:0:-9223372036854775808}]"')
  arith('substr-length-max', 'x=abc; echo "[${x:1:9223372036854775807}]"', { exit: 0, stdout: /^\[bc\]\n$/ })
  arith('brace-step-huge', 'echo {1..9223372036854775807..4611686018427387904}')
  arith('brace-near-max', 'echo {9223372036854775806..9223372036854775807}', { exit: 0, stdout: /^9223372036854775806 9223372036854775807\n$/ })
  arith('brace-step-min', 'echo {1..3..-9223372036854775808}')
  arith('array-index-max', 'a[9223372036854775807]=1; echo ${a[9223372036854775807]}', { exit: [0, 1] })
  arith('array-index-sparse', 'a[1000000000000]=1; echo ${#a[@]}', { alt: [{ exit: 0, stdout: /^1\n$/ }, ENOMEM] })
  arith('array-index-min', 'a[-9223372036854775808]=1', { exit: [0, 1] })
  arith('shift-builtin-huge', `set -- a b; shift ${BIG}`, { exit: [1, 2] })
  arith('dbracket-huge', `[[ ${BIG} -gt 1 ]]`, { exit: [0, 1, 2] })

  // ---------------------------------------------------------------------------------------------------------------
  // (5) Memory growth: each ends with `Cannot allocate memory` (the session budget) or its deadline, never a
  // process past the RSS cap. `/dev/zero` is not in the VFS: the gzip bomb (3 MB -> 3.1 GB of zeros) is the source.
  const bomb = fixtures.bomb ? [{ hostFile: fixtures.bomb, to: '/data/bomb.gz' }] : []
  const mem = (id, cmd, alt = MEMORY_OR_TIMEOUT, extra = {}) =>
    add({ id: `memory/${id}`, cls: 'memory', cmd, expect: { alt }, ...extra, opts: { timeoutMs: 3000, ...(extra.opts ?? {}) } })
  mem('var-doubling', 'x=a; while :; do x=$x$x; done')
  mem('var-tripling', 'x=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; while :; do x="$x$x$x"; done')
  mem('awk-doubling', `awk 'BEGIN{s="a"; while(1) s = s s}'`)
  mem('seq-sort', 'seq 1 100000000 | sort | tail -n 1')
  mem('seq-tac', 'seq 1 100000000 | tac | tail -n 1')
  mem('seq-cmdsubst', 'x=$(seq 1 100000000); echo ${#x}')
  mem('read-N-2e9', 'zcat /data/bomb.gz | { read -N 2000000000 x; echo ${#x}; }', MEMORY_OR_TIMEOUT, { setup: bomb })
  mem('array-seq-5M', 'a=($(seq 1 5000000)); echo ${#a[@]}', [...MEMORY_OR_TIMEOUT, { exit: 0, stdout: /^5000000\n$/ }])
  mem('array-append-loop', 'a=(); while :; do a+=(xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx); done')
  mem('assoc-fill-loop', 'declare -A m; i=0; while :; do m[$i]=$i$i$i$i$i$i; i=$((i+1)); done')
  mem('brace-4x1M', 'echo {1..1000000} {1..1000000} {1..1000000} {1..1000000} | wc -c', [
    ...MEMORY_OR_TIMEOUT,
    { exit: 0, stdout: /^27555556\n$/ },
  ])
  mem('brace-1e8', 'echo {1..100000000} | wc -c', [...MEMORY_OR_TIMEOUT, BRACE_LIMIT])
  mem(
    'heredoc-100MB',
    's=$(printf "%10000000s" ""); cat <<EOF | wc -c\n$s$s$s$s$s$s$s$s$s$s\nEOF',
    [...MEMORY_OR_TIMEOUT, { exit: 0, stdout: /^100000001\n$/ }],
  )
  mem(
    'heredoc-loop-built',
    's=x; for i in $(seq 1 27); do s=$s$s; done; cat <<EOF | wc -c\n$s\nEOF',
    [...MEMORY_OR_TIMEOUT, { exit: 0, stdout: /^134217729\n$/ }],
  )
  mem('printf-v-1e9', "printf -v x '%*s' 1000000000 ''; echo ${#x}")
  mem('subst-9x', 'x=$(printf "%50000000s" ""); y=${x// /abcabcabc}; echo ${#y}', [...MEMORY_OR_TIMEOUT, { exit: 0, stdout: /^450000000\n$/ }])
  mem('zcat-head-10', 'zcat /data/bomb.gz | head -c 10 | wc -c', [{ exit: 0, stdout: /^10\n$/ }], { setup: bomb, rssCapMiB: 400 })
  mem('gunzip-c-head', 'gunzip -c /data/bomb.gz | head -c 1000 | wc -c', [{ exit: 0, stdout: /^1000\n$/ }], { setup: bomb, rssCapMiB: 400 })
  mem('zcat-wc', 'zcat /data/bomb.gz | wc -c', [TIMEOUT, { exit: 0, stdout: /^3096000001\n$/ }], { setup: bomb, rssCapMiB: 400, opts: { timeoutMs: 3000 } })
  mem('zcat-to-ram', 'zcat /data/bomb.gz > /data/out', MEMORY_OR_TIMEOUT, { setup: bomb })
  mem('zcat-sort', 'zcat /data/bomb.gz | sort | head -c 1', MEMORY_OR_TIMEOUT, { setup: bomb })
  mem('zcat-grep', 'zcat /data/bomb.gz | grep -c x', MEMORY_OR_TIMEOUT, { setup: bomb })
  mem('zcat-cmdsubst', 'x=$(zcat /data/bomb.gz); echo ${#x}', MEMORY_OR_TIMEOUT, { setup: bomb })
  mem('zcat-tee-2', 'zcat /data/bomb.gz | tee /data/a /data/b > /dev/null', MEMORY_OR_TIMEOUT, { setup: bomb })
  mem('six-900MB-ram-files', 'for i in 1 2 3 4 5 6; do zcat /data/bomb.gz | head -c 900000000 > /data/f$i || exit 1; done', MEMORY_OR_TIMEOUT, {
    setup: bomb,
    opts: { timeoutMs: 8000 },
  })
  mem('six-900MB-dev-zero', 'for i in 1 2 3 4 5 6; do head -c 900000000 /dev/zero > /data/f$i || exit 1; done', [
    ...MEMORY_OR_TIMEOUT,
    { exit: 1, stderr: /No such file or directory/ },
  ])
  mem('jq-range-1e8', `jq -n '[range(1e8)] | length'`)
  mem('jq-slurp-bomb', 'zcat /data/bomb.gz | jq -s length', [...MEMORY_OR_TIMEOUT, { exit: [2, 5] }], { setup: bomb })
  mem('pipe-backpressure', 'seq 1 100000000 | (sleep 3; head -n 1)', [{ exit: 0, stdout: /^1\n$/ }], { rssCapMiB: 600, opts: { timeoutMs: 6000 } })
  mem('seq-head', 'seq 1 1000000000000000000 | head -n 1', [{ exit: 0, stdout: /^1\n$/ }])
  mem('shuf-repeat-head', 'shuf -r -n 1000000000000 -e a | head -n 1', [{ exit: 0, stdout: /^a\n$/ }, TIMEOUT])

  // ---------------------------------------------------------------------------------------------------------------
  // (6) Cancellation of CPU-bound commands: by timeoutMs (exit 124), by AbortSignal (AbortError), by ws.close().
  // `natural` is how the command may end by itself on a fast machine (then cancellation was not exercised).
  const l50 = fixtures.lines50m ? [{ hostFile: fixtures.lines50m, to: '/data/l50' }] : []
  const s30 = fixtures.sort30m ? [{ hostFile: fixtures.sort30m, to: '/data/s30' }] : []
  const cpu = [
    ['while-true', 'while :; do :; done'],
    ['for-arith-endless', 'for ((i=0;;i++)); do :; done'],
    ['subst-any-1M', 'x=$(printf "%1000000s" ""); y=${x//?/abc}; echo ${#y}', [0]],
    ['subst-star-a-1M', 'x=$(printf "%1000000s" ""); y=${x//*a/z}; echo ${#y}', [0]],
    ['extglob-40a', 'shopt -s extglob\nx=' + 'a'.repeat(40) + '; [[ $x == +(+(a))b ]]; echo $?', [0]],
    ['printf-star-precision', "printf '%.*d' 100000000 1 | wc -c", [0]],
    ['brace-1e8', 'echo {1..100000000} | wc -c', [0, 1]],
    ['sort-30MB', 'sort /data/s30 | tail -n 1', [0], s30],
    ['sort-n-30MB', 'sort -n /data/s30 | tail -n 1', [0], s30],
    ['wc-50MB', 'wc /data/l50', [0], l50],
    ['grep-c-50MB', 'grep -c b /data/l50', [0], l50],
    ['cat-wc-50MB', 'cat /data/l50 | wc -l', [0], l50],
    ['md5sum-50MB', 'md5sum /data/l50', [0], l50],
    ['sed-50MB', 'sed s/a/b/g /data/l50 | wc -c', [0], l50],
    ['awk-50MB', "awk '{n += length($0)} END {print n}' /data/l50", [0], l50],
    ['awk-while-1', `awk 'BEGIN{while(1);}'`],
    ['sed-loop', "echo x | sed ':a;ba'"],
    ['jq-def-f-f', "jq -n 'def f: f; f'"],
    ['jq-last-range', "jq -n 'last(range(1e12))'"],
    ['seq-devnull', 'seq 1 1000000000 > /dev/null'],
    ['zcat-bomb-wc', 'zcat /data/bomb.gz | wc -c', [], bomb],
    ['sleep', 'sleep 100'],
    ['tail-f', 'touch /data/t; tail -f /data/t', [0]],
    ['read-loop', 'seq 1 100000000 | while read l; do :; done'],
    ['background-wait', 'sleep 100 & wait'],
  ]
  for (const [name, cmd, natural = [], setup = []] of cpu) {
    const naturalAlt = natural.length ? [{ exit: natural }] : []
    add({
      id: `cancel-timeout/${name}`,
      cls: 'cancel',
      cmd,
      setup,
      opts: { timeoutMs: 300 },
      expect: { alt: [TIMEOUT, ENOMEM, ...naturalAlt], settleWithinMs: 1300 },
    })
    add({
      id: `cancel-abort/${name}`,
      cls: 'cancel',
      via: 'abort',
      abortAfterMs: 300,
      cmd,
      setup,
      opts: { timeoutMs: 0 },
      expect: { reject: natural.length ? 'AbortError-or-natural' : 'AbortError', alt: naturalAlt, settleWithinMs: 1300 },
    })
    add({
      id: `cancel-close/${name}`,
      cls: 'cancel',
      via: 'close',
      closeAfterMs: 300,
      cmd,
      setup,
      opts: { timeoutMs: 0 },
      expect: { reject: 'either', closeWithinMs: 2000, settleAfterCloseMs: 1000, natural: natural.length > 0 },
    })
  }

  // ---------------------------------------------------------------------------------------------------------------
  // (7) A bucket whose listing never ends: settle by the deadline, bounded memory, and silence 1 s later.
  let bucketNo = 0
  const endlessProbe = (id, cmd, extra = {}) => {
    const bucket = `${extra.dirs ? 'dirs' : 'endless'}-${++bucketNo}`
    add({
      id: `endless/${id}`,
      cls: 'endless',
      cmd,
      mounts: { '/bucket/': { type: 's3', bucket, endpoint: endless } },
      opts: { timeoutMs: 1000 },
      quietBucket: bucket,
      quietEndpoint: endless,
      expect: { alt: [TIMEOUT, ENOMEM, { exit: 'nonzero' }], settleWithinMs: 2000, quiet: true },
      ...extra,
    })
  }
  endlessProbe('ls', 'ls /bucket')
  endlessProbe('ls-l', 'ls -l /bucket/')
  endlessProbe('find', 'find /bucket')
  endlessProbe('find-name', 'find /bucket -name nothing')
  endlessProbe('du', 'du -s /bucket')
  endlessProbe('ls-R-dirs', 'ls -R /bucket', { dirs: true })
  endlessProbe('find-dirs', 'find /bucket', { dirs: true })
  endlessProbe('tree-dirs', 'tree /bucket', { dirs: true })
  endlessProbe('grep-r', 'grep -r x /bucket')
  endlessProbe('glob-echo', 'echo /bucket/* | wc -c')
  endlessProbe('glob-wc', 'wc -l /bucket/*')
  endlessProbe('ls-head', 'ls /bucket | head -n 1', { expect: { alt: [TIMEOUT, { exit: 0, stdout: /^\S+\n$/ }], settleWithinMs: 2000, quiet: true } })
  endlessProbe('abort-find', 'find /bucket', {
    via: 'abort',
    abortAfterMs: 500,
    opts: { timeoutMs: 0 },
    expect: { reject: 'AbortError', settleWithinMs: 1500, quiet: true },
  })
  endlessProbe('close-ls', 'ls /bucket', {
    via: 'close',
    closeAfterMs: 500,
    opts: { timeoutMs: 0 },
    expect: { reject: 'either', closeWithinMs: 2000, settleAfterCloseMs: 1000, quiet: true },
  })
  endlessProbe('stream-cancel-ls', 'ls /bucket', {
    knownOpen: 'cancelling the stdout ReadableStream does not drop its Rust stream at once, so a command that has written nothing yet runs on to its deadline',
    via: 'stream-cancel',
    cancelAfterMs: 300,
    opts: { timeoutMs: 3000 },
    expect: { exit: 'any', settleWithinMs: 2000, quiet: true },
  })
  endlessProbe('provision-ls', 'ls /bucket', {
    via: 'provision',
    expect: { reject: 'either', settleWithinMs: 2000, quiet: true },
  })
  endlessProbe('fs-readdir', '', {
    knownOpen: 'ws.fs calls have no deadline: an endless listing is bounded only by the 1,000,000-entry cap, which takes longer than the probe allows',
    via: 'fs',
    fs: { method: 'readdir', args: ['/bucket/'] },
    wallMs: 8000,
    expect: { reject: 'either', settleWithinMs: 5000, quiet: true },
  })
  endlessProbe('fs-listFiles', '', {
    knownOpen: 'ws.fs calls have no deadline: an endless listing is bounded only by the 1,000,000-entry cap, which takes longer than the probe allows',
    via: 'fs',
    fs: { method: 'listFiles', args: ['/bucket/'] },
    wallMs: 8000,
    expect: { reject: 'either', settleWithinMs: 5000, quiet: true },
  })

  // ---------------------------------------------------------------------------------------------------------------
  // (8) DiskResource: a FIFO nobody writes, links leading outside, symlink loops, a directory cycle. Every command
  // returns promptly (no blocked open, no endless walk).
  const disk = (id, cmd, exit = 'any', extra = {}) =>
    add({
      id: `disk/${id}`,
      cls: 'disk',
      cmd,
      disk: true,
      expect: { exit, settleWithinMs: 2000, notTimeout: true },
      ...extra,
    })
  disk('cat-fifo', 'cat /d/p')
  disk('cat-fifo-symlink', 'cat /d/lp')
  disk('head-fifo', 'head -c 1 /d/p')
  disk('wc-fifo', 'wc -c /d/p')
  disk('grep-fifo', 'grep x /d/p')
  disk('md5sum-fifo', 'md5sum /d/p')
  disk('sort-fifo', 'sort /d/p')
  disk('tail-fifo', 'tail -n 1 /d/p')
  disk('jq-fifo', 'jq . /d/p')
  disk('awk-fifo', 'awk 1 /d/p')
  disk('redirect-in-fifo', 'cat < /d/p')
  disk('read-fifo', 'read x < /d/p')
  disk('source-fifo', 'source /d/p')
  disk('write-fifo', 'echo x > /d/p')
  disk('cp-fifo', 'cp /d/p /d/q')
  disk('zcat-fifo', 'zcat /d/p')
  disk('grep-r-root', 'grep -r x /d')
  disk('grep-R-cycle', 'grep -R x /d')
  disk('find-L-cycle', 'find -L /d | wc -l')
  disk('du-L-cycle', 'du -L /d')
  disk('ls-R-cycle', 'ls -R /d | wc -l')
  disk('cp-rL', 'cp -rL /d/sub /d/sub2; cp -rL /d /d/inner')
  disk('ls-l', 'ls -l /d/', 0)
  disk('stat-fifo', 'stat -c %F /d/p', [0, 1])
  disk('cat-outside-dev-zero', 'cat /d/lz', 'nonzero')
  disk('cat-outside-passwd', 'cat /d/le', 'nonzero', { expect: { exit: 'nonzero', settleWithinMs: 2000, stdoutNot: /root:/ } })
  disk('cat-symlink-loop', 'cat /d/a', 'nonzero')

  // ---------------------------------------------------------------------------------------------------------------
  // (9) Every numeric option at NaN, Infinity, -1, 0 and 1e20: a RangeError/TypeError naming the option, never an
  // abort and never a silently accepted value that turns a cap off. `zero: 'either'` where 0 is documented (off /
  // none) or a cap of nothing; then the workspace must work and its caps hold (`verify`).
  const VALUES = ['NaN', 'Infinity', -1, 0, 1e20]
  const numeric = [
    // [target, option, zero, big, verify, base]
    ['Workspace', 'maxOutputBytes', 'either', 'throw', 'output'],
    ['Workspace', 'historyLimit', 'either', 'throw', 'history'],
    ['Workspace', 'timeoutMs', 'either', 'throw'],
    ['Workspace', 'parallelReads', 'throw', 'throw'],
    ['Workspace', 'maxMemoryBytes', 'throw', 'throw'],
    ['Workspace', 'maxProcessMemoryBytes', 'throw', 'throw'],
    ['Workspace', 'cacheLimit', 'either', 'throw'],
    ['Workspace', 'cacheMaxObjectSize', 'either', 'throw'],
    ['Workspace', 'index.ttl', 'either', 'throw'],
    ['Workspace', 'index.timeoutMs', 'throw', 'throw', undefined, { index: { type: 'redis', url: 'redis://127.0.0.1:9/0' } }],
    ['Workspace', 'pricing./data/.getPer10K', 'either', 'either', undefined, { pricing: { '/data/': { getPer10K: 1, listPer1K: 1, putPer1K: 1, egressPerGb: 1 } } }],
    ['S3Resource', 'maxConcurrency', 'throw', 'throw'],
    ['S3Resource', 'maxAttempts', 'throw', 'throw'],
    ['S3Resource', 'timeoutMs', 'throw', 'throw'],
    ['BackblazeResource', 'maxConcurrency', 'throw', 'throw'],
    ['BackblazeResource', 'maxAttempts', 'throw', 'throw'],
    ['BackblazeResource', 'timeoutMs', 'throw', 'throw'],
    ['S3Resource', 'bodyIdleTimeoutMs', 'throw', 'throw'],
    ['BackblazeResource', 'bodyIdleTimeoutMs', 'throw', 'throw'],
    // A JavaScript command's exitCode: whatever it returns, the shell sees a status from 0 to 255 (or a clear error).
    ['commandExit', 'exitCode', 'exitcode', 'exitcode'],
    ['CommandSafeguard', 'maxBytes', 'either', 'throw', 'safeguard'],
    ['CommandSafeguard', 'maxLines', 'either', 'throw', 'safeguard'],
    ['CommandSafeguard', 'timeoutSeconds', 'throw', 'throw'],
    ['CommandSafeguardPlain', 'maxBytes', 'either', 'throw', 'safeguard'],
    ['CommandSafeguardPlain', 'timeoutSeconds', 'throw', 'throw'],
    ['execute', 'timeoutMs', 'either', 'throw'],
    ['RedisFileCacheStore', 'cacheLimit', 'either', 'throw'],
    ['RedisFileCacheStore', 'timeoutMs', 'throw', 'throw'],
    ['presign', 'ttlSec', 'throw', 'clamp'],
    ['presignPolicy', 'maxTtlSec', 'throw', 'clamp'],
    ['createPresignHandler', 'maxTtlSec', 'throw', 'clamp'],
  ]
  for (const [target, option, zero, big, verify, base] of numeric) {
    for (const value of VALUES) {
      let rule = 'throw'
      if (value === 0) rule = zero
      if (value === 1e20) rule = big
      if (value === 'Infinity' && big === 'clamp') rule = 'clamp'
      if (zero === 'exitcode') rule = 'exitcode'
      add({
        id: `numeric/${target}.${option}=${value}`,
        cls: 'numeric',
        via: 'construct',
        construct: { target, option, value, verify, base: target === 'Workspace' ? base : undefined },
        expect: { construct: rule, optionName: option.split('.').at(-1) },
      })
    }
  }

  const ids = new Set()
  for (const p of probes) {
    if (ids.has(p.id)) throw new Error(`duplicate probe id ${p.id}`)
    ids.add(p.id)
  }
  return probes
}

