"""Cases for commands_more.rs: files (the same under /data, read-only, and /w, writable)
and command lines run with that cwd. `stderr: False` skips the stderr comparison."""

LOG = b"""2024-01-01 10:00:01 INFO server started port=8080
2024-01-01 10:00:02 ERROR disk full on /dev/sda1
2024-01-01 10:00:03 WARN slow request path=/api/users ms=1200
2024-01-01 10:00:04 INFO request path=/api/items ms=35
2024-01-01 10:00:05 ERROR timeout contacting db
2024-01-01 10:00:06 INFO request path=/api/users ms=48
"""

CSV = b"""name,dept,salary,age
alice,eng,120000,34
bob,sales,80000,45
carol,eng,135000,29
dave,ops,70000,51
erin,sales,95000,38
"""

JSON = b"""{"users":[{"id":1,"name":"alice","tags":["admin","dev"],"active":true,"score":9.5},{"id":2,"name":"bob","tags":[],"active":false,"score":7},{"id":3,"name":"carol","tags":["dev"],"active":true,"score":null}],"meta":{"count":3,"next":null,"empty":{}}}
"""

NDJSON = b"""{"level":"info","msg":"start","ms":5}
{"level":"error","msg":"disk full","ms":120}
{"level":"info","msg":"done","ms":40}
"""

FIXTURES = [
    ("logs", None),
    ("logs/app.log", LOG),
    ("logs/empty.log", b""),
    ("people.csv", CSV),
    ("data.json", JSON),
    ("events.ndjson", NDJSON),
    ("words.txt", b"apple\nbanana\ncherry\napple\ndate\n"),
    ("nums.txt", b"10\n2\n33\n4\n"),
    ("nonl.txt", b"first\nlast-no-newline"),
    ("a.txt", b"one\ntwo\nthree\nfour\nfive\n"),
    ("b.txt", b"one\n2\nthree\nfour\nFIVE\nsix\n"),
    ("tabs.tsv", b"k1\tv1\tx\nk2\tv2\ty\n"),
    ("src", None),
    ("src/main.rs", b"fn main() {\n    println!(\"hi\");\n}\n"),
    ("src/lib.rs", b"pub fn f() -> i32 {\n    42\n}\n"),
    ("bin.dat", bytes(range(0, 40)) + b"hello world\x00\xff\xfeabc"),
]

def c(cmd, cwd='data', **kw):
    d = {'cmd': cmd, 'cwd': cwd}
    d.update(kw)
    return d

CASES = [
    # sed
    c("sed -n '2p' a.txt"),
    c("sed -n '2,4p' a.txt"),
    c("sed '2d' a.txt"),
    c("sed '$d' a.txt"),
    c("sed -n '$p' a.txt"),
    c("sed 's/o/0/' a.txt"),
    c("sed 's/o/0/g' a.txt"),
    c("sed 's/e/E/2' a.txt"),
    c("sed -n 's/t/T/p' a.txt"),
    c("sed 's/[aeiou]/(&)/g' words.txt"),
    c("sed 's/\\(.*\\)an\\(.*\\)/\\2-\\1/' words.txt"),
    c("sed -E 's/([a-z]+)=([0-9]+)/\\2:\\1/g' logs/app.log"),
    c("sed -n '/ERROR/p' logs/app.log"),
    c("sed '/INFO/d' logs/app.log"),
    c("sed -n '/WARN/,/ERROR/p' logs/app.log"),
    c("sed -n '/ERROR/!p' logs/app.log"),
    c("sed '2,3!d' a.txt"),
    c("sed -n '1~2p' a.txt"),
    c("sed -n '2,+1p' a.txt"),
    c("sed '0,/o/s//0/' a.txt"),
    c("sed 's/one/ONE/I;s/TWO/2/i' a.txt"),
    c("sed '1i\\header' a.txt"),
    c("sed '1i header line' a.txt"),
    c("sed '$a footer' a.txt"),
    c("sed '/three/c\\3' a.txt"),
    c("sed '2,4c\\gone' a.txt"),
    c("sed 'y/abc/xyz/' words.txt"),
    c("sed -n '$=' a.txt"),
    c("sed = a.txt"),
    c("sed 3q a.txt"),
    c("sed 3Q a.txt"),
    c("sed '/three/q 5' a.txt; echo rc=$?"),
    c("sed -n 'h;n;G;p' a.txt"),
    c("sed 'N;s/\\n/ /' a.txt"),
    c("sed ':a;N;$!ba;s/\\n/,/g' a.txt"),
    c("sed '1!G;h;$!d' a.txt"),
    c("sed -n '/two/{n;p}' a.txt"),
    c("sed -e 's/one/1/' -e 's/two/2/' a.txt"),
    c("sed -n -e '/four/{' -e 's/f/F/' -e 'p' -e '}' a.txt"),
    c("sed 's/^/> /' nonl.txt"),
    c("sed p nonl.txt"),
    c("sed -n '$p' nonl.txt a.txt"),
    c("sed -s -n '$p' nonl.txt a.txt"),
    c("sed 's/a/b/' nosuch a.txt; echo rc=$?"),
    c("sed 's/a/b'; echo rc=$?"),
    c("sed 's/a/b/x' a.txt; echo rc=$?"),
    c("sed k a.txt; echo rc=$?"),
    c("sed -n '/x/{p' a.txt; echo rc=$?"),
    c("sed 'b nolabel' a.txt; echo rc=$?"),
    c("sed 's/\\(o\\)\\(n\\)/\\2\\1/;s/t\\(w\\)o/\\U&\\E!/' a.txt"),
    c("sed 's/[[:digit:]]\\+/<&>/g' logs/app.log"),
    c("sed -E 's/^([0-9-]+) ([0-9:]+)/\\2 \\1/' logs/app.log"),
    c("sed 's/a*/X/g' words.txt"),
    c("sed 's/x*/-/g' a.txt"),
    c("sed 's|/api/|/v2/|g' logs/app.log"),
    c("sed -n 'l' tabs.tsv"),
    c("sed '/^$/d;s/  */ /g' src/main.rs"),
    c("printf 'a\\nb\\nc\\n' | sed -n '2{p;q}'"),
    c("echo hello | sed 's/l/L/2g'"),
    c("echo 'a.b.c' | sed 's/\\./-/g'"),
    c("echo 'a+b' | sed 's/a+b/X/'"),
    c("echo 'aab' | sed -E 's/a+b/X/'"),
    c("echo 'abc' | sed 's/\\(a\\|b\\)/X/g'"),
    c("echo 'foo bar' | sed 's/\\<b/B/'"),
    c("echo 'path/to/file' | sed 's#/#\\\\#g'"),
    c("sed -z 's/\\n/,/g' a.txt"),
    c("cp a.txt t.txt && sed -i 's/one/1/' t.txt && cat t.txt", cwd='w'),
    c("cp a.txt t.txt && sed -i.bak '1d' t.txt && cat t.txt t.txt.bak", cwd='w'),
    c("sed -i -e '$a end' a.txt b.txt && cat a.txt b.txt", cwd='w'),
    c("sed --version >/dev/null; sed -x a.txt; echo rc=$?", stderr=False),
    c("seq 1 3 | sed -n 'p;p'" if False else "printf '1\\n2\\n3\\n' | sed -n 'p;p'"),
    c("sed 'n;d' a.txt"),
    c("sed '$!N;P;D' a.txt"),
    c("sed = a.txt | sed 'N;s/\\n/\\t/'"),
    c("sed -n '2{s/two/TWO/;p}' a.txt"),
    c("sed '/two/,+2d' a.txt"),
    c("sed '2,/f/d' a.txt"),
    c("sed '/one/,/NOMATCH/d' a.txt"),
    c("sed 'a\\' a.txt; echo rc=$?"),
    c("sed '1~3d' a.txt"),
    c("echo 'Hello World' | sed 's/\\w\\+/[&]/g'"),
    c("echo 'x  y' | sed 's/\\s\\+/_/'"),
    c("sed -n '/^[^#]/p' src/lib.rs"),
    c("echo abc | sed 'y/abc/\\n\\t-/' | cat -A"),
    # printf
    c("printf '%s\\n' a b c"),
    c("printf '%s-%s\\n' a b c"),
    c("printf '%d|%5d|%-5d|%05d\\n' 42 42 42 42"),
    c("printf '%x %X %o %#x %#o\\n' 255 255 8 255 8"),
    c("printf '%.2f %8.3f %e %g %g\\n' 3.14159 2.5 12345.678 0.0001 1e10"),
    c("printf '%5s|%-5s|%.2s\\n' ab cd efgh"),
    c("printf '%c%c\\n' hello world"),
    c("printf '%b\\n' 'a\\tb' 'c\\nd'"),
    c("printf '%q\\n' 'a b' \"it's\" ''"),
    c("printf '%%|%s\\n' x"),
    c("printf 'no newline'"),
    c("printf '%d\\n' abc; echo rc=$?"),
    c("printf '%d\\n' 12abc; echo rc=$?"),
    c("printf '%d %d\\n' 1"),
    c("printf '%s\\n'"),
    c("printf '\\x41\\101\\n'"),
    c("printf '%*d|%-*d|\\n' 5 3 4 2"),
    c("printf '%d\\n' \"'A\" 0x10 010 -5"),
    c("printf '%i %u\\n' 7 -1"),
    c("printf 'x%zy\\n'; echo rc=$?"),
    c("printf; echo rc=$?"),
    c("printf '%s=%s\\n' k1 v1 k2"),
    c("printf '%5.1f%%\\n' 45.678"),
    c("printf '%b' 'stop\\cnever'; echo"),
    c("printf -- '%s\\n' dash"),
    c("printf '%G %E\\n' 0.000001 1234.5"),
    c("printf '%+d % d\\n' 5 5"),
    c("printf '%.3d|%.0f|%.0f\\n' 7 2.5 3.5"),
    c("printf '%s\\t%s\\n' a b | cat -A"),
]
