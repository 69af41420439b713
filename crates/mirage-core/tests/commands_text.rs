//! The text and file commands over a RAM mount, compared byte for byte with GNU tools.
//!
//! `EXPECTED` below was recorded by running each command of `CMDS` with real bash and GNU
//! coreutils/grep/findutils/tree (LC_ALL=C, TZ=UTC) in a directory holding `FILES`:
//! `cargo test -p mirage-core --test commands_text record_gnu -- --ignored` rewrites it
//! (it needs bash, coreutils, grep, findutils, util-linux `column`/`rev`, `tree`, `file`).

use std::sync::Arc;

use bytes::Bytes;
use mirage_core::vfs::ram::RamResource;
use mirage_core::vfs::{MountMode, Resource};
use mirage_core::workspace::{ExecOptions, Workspace, WorkspaceOptions};

/// The files every case sees (a trailing `/` makes an empty directory).
const FILES: &[(&str, &str)] = &[
    ("a.txt", "apple\nbanana\ncherry\napple pie\nBanana split\n"),
    ("nums.txt", "10\n9\n100\n-5\n3.5\n0\n2e3\n1K\n2M\n-0\n"),
    ("words.txt", "the quick brown fox\njumps over the lazy dog\nthe end\n"),
    ("dup.txt", "a\na\nb\nB\nb\nc\nc\nc\n"),
    ("csv.txt", "name,age,city\nalice,30,paris\nbob,25,berlin\ncarol,35,\n"),
    ("tabs.txt", "a\tb\tc\n\tindented\nno tabs here\n        eight spaces\n"),
    ("ver.txt", "file10.txt\nfile2.txt\nfile1.txt\nfile1.10\nfile1.2\n"),
    ("people.txt", "1 alice\n2 bob\n3 carol\n5 eve\n"),
    ("ages.txt", "1 30\n2 25\n4 40\n5 22\n"),
    ("left.txt", "apple\nbanana\ncherry\ndate\n"),
    ("right.txt", "banana\ncherry\nelder\nfig\n"),
    ("noeol.txt", "one\ntwo\nthree"),
    ("empty.txt", ""),
    ("log/app.log", "INFO start\nERROR disk full\nINFO retry\nWARN slow\nERROR net down\nINFO done\n"),
    ("log/old/app.1.log", "ERROR ancient\nINFO old\n"),
    ("log/data.json", "{\"a\": 1, \"b\": [1, 2]}\n"),
    ("log/.hidden", "ERROR hidden\n"),
    ("log/empty.log", ""),
    ("emptydir/", ""),
    ("src/main.rs", "fn main() {\n    println!(\"hello\");\n}\n"),
    ("src/lib.rs", "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n// TODO: more\n"),
    ("src/util/mod.rs", "// TODO: util\npub mod x;\n"),
    ("table.txt", "name  size  kind\nfoo 10 file\nlongername 2000 dir\n"),
    ("kv.txt", "b=2\na=1\nc=3\na=0\n"),
    ("mixed.txt", "Zeta\nalpha\nBeta\n  gamma\n_under\n10\n9\n"),
    ("human.txt", "1.5K\n100\n2G\n10M\n512K\n"),
    ("fields.txt", "x:1:foo\ny:22:bar\nz:3:baz\n"),
    ("bin.dat", "foo\0bar\nfoo\nbaz\n"),
    ("utf8.txt", "h\u{e9}llo w\u{f6}rld\n"),
    ("crlf.txt", "a\r\nb\r\n"),
    ("run.sh", "#!/bin/bash\necho hi\n"),
    ("long.txt", "The quick brown fox jumps over the lazy dog and keeps running far away\n"),
];

const CMDS: &[&str] = &[
    // tail
    "tail -n 2 a.txt",
    "tail -n +3 a.txt",
    "tail -c 8 a.txt",
    "tail -c +5 noeol.txt",
    "tail -2 a.txt",
    "tail -n 1 noeol.txt",
    "tail a.txt nums.txt",
    "tail -q -n1 a.txt nums.txt",
    "tail -v -n1 a.txt",
    "tail -n 0 a.txt",
    "tail -n 3 empty.txt",
    "cat a.txt | tail -n 2",
    "cat a.txt | tail -n +4",
    "cat a.txt | tail -c 5",
    "tail nope.txt",
    "tail -n x a.txt",
    "tail log",
    // grep
    "grep apple a.txt",
    "grep -i banana a.txt",
    "grep -n an a.txt",
    "grep -c an a.txt",
    "grep -v an a.txt",
    "grep -w apple a.txt",
    "grep -x apple a.txt",
    "grep -o 'an' a.txt",
    "grep -E 'ap+le|cherry' a.txt",
    "grep 'ap\\+le' a.txt",
    "grep 'a\\(pp\\|na\\)' a.txt",
    "grep -F 'a.p' a.txt",
    "grep 'a.p' a.txt",
    "grep '^[ab]' a.txt",
    "grep '[[:upper:]]' a.txt",
    "grep -e apple -e cherry a.txt",
    "grep -l apple a.txt nums.txt words.txt",
    "grep -L apple a.txt nums.txt words.txt",
    "grep -q apple a.txt; echo $?",
    "grep -q zzz a.txt; echo $?",
    "grep zzz a.txt",
    "grep apple nope.txt",
    "grep -s apple nope.txt",
    "grep apple a.txt nope.txt",
    "grep -h the words.txt a.txt",
    "grep -H apple a.txt",
    "grep -m 1 an a.txt",
    "grep -A 1 disk log/app.log",
    "grep -B 1 net log/app.log",
    "grep -C 1 retry log/app.log",
    "grep -n -C 1 ERROR log/app.log",
    "grep -r ERROR log | sort",
    "grep -r ERROR log/ | sort",
    "grep -rn ERROR log --include='*.log' | sort",
    "grep -r ERROR log --exclude-dir=old | sort",
    "grep -rl TODO src | sort",
    "grep -rc TODO src | sort",
    "grep -r TODO . | sort",
    "cd src && grep -r TODO | sort",
    "grep ERROR log",
    "cat a.txt | grep an",
    "cat a.txt | grep -c an -",
    "grep -E 'a{2}' a.txt nums.txt",
    "grep -E '(an){2}' a.txt",
    "grep '\\<the\\>' words.txt",
    "grep 'x\\{1' a.txt",
    "grep -E '(' a.txt",
    "grep '[a' a.txt",
    "grep -y APPLE a.txt",
    "grep -ow 'the' words.txt",
    "grep -vc '^$' words.txt",
    "grep -n '' noeol.txt",
    "grep -iE '^(banana|cherry)$' a.txt",
    "grep -Fx 'apple pie' a.txt",
    "grep -e '' empty.txt; echo $?",
    "grep -A1 -m1 INFO log/app.log",
    "grep -c ERROR log/app.log log/old/app.1.log",
    "grep -o '[0-9]\\+' nums.txt",
    "grep '\\.' nums.txt",
    "grep -E '^-?[0-9]+$' nums.txt",
    "grep --bogus x a.txt",
    "grep",
    "grep -A x y a.txt",
    // find
    "find log | sort",
    "find log -type f | sort",
    "find log -type d | sort",
    "find . -name '*.rs' | sort",
    "find . -iname 'A*' | sort",
    "find log -maxdepth 1 | sort",
    "find log -mindepth 2 | sort",
    "find log -name '*.log' -o -name '*.json' | sort",
    "find log ! -name '*.log' | sort",
    "find log -not -type d -name 'app*'",
    "find log \\( -name '*.json' -o -name '.hidden' \\) -print | sort",
    "find log -empty | sort",
    "find . -empty | sort",
    "find log -path '*old*' | sort",
    "find log -size -1k | sort",
    "find log -size +0 | sort",
    "find . -size +60c -type f | sort",
    "find log -type f -exec wc -l {} \\; | sort",
    "find log -type f -exec echo {} + | tr ' ' '\\n' | sort",
    "find log -name app.log -exec echo found {} +",
    "find log -name '*.log' -print0 | tr '\\0' '\\n' | sort",
    "find src -type f -printf '%f %s %d\\n' | sort",
    "find log/ -maxdepth 1 -type f | sort",
    "find src -name '*.rs' | sort",
    "find nope",
    "find log -foo",
    "find log -name",
    "find log -type q",
    "find log -mtime -1 -type f -name '*.json'",
    "find log -newer nope",
    "find log -maxdepth 1 -name old -prune -o -type f -print | sort",
    "find . -maxdepth 0",
    "find log -quit",
    "find emptydir",
    // sort
    "sort a.txt",
    "sort -r a.txt",
    "sort -n nums.txt",
    "sort -g nums.txt",
    "sort -h human.txt",
    "sort -V ver.txt",
    "sort -u dup.txt",
    "sort -f dup.txt",
    "sort -fu dup.txt",
    "sort mixed.txt",
    "sort -f mixed.txt",
    "sort -d mixed.txt",
    "sort -b mixed.txt",
    "sort -t, -k2 -n csv.txt",
    "sort -t, -k3 csv.txt",
    "sort -t: -k2,2n fields.txt",
    "sort -t: -k2,2nr fields.txt",
    "sort -k2 words.txt",
    "sort -t= -k1,1 -s kv.txt",
    "sort -t= -k1,1 kv.txt",
    "sort -t= -k1,1 -u kv.txt",
    "sort -nr nums.txt",
    "sort -c a.txt",
    "sort -c dup.txt",
    "sort -C a.txt; echo $?",
    "sort a.txt nums.txt | head -n 4",
    "sort nope.txt",
    "sort -k 1.2,1.3 a.txt",
    "sort -t, -k2,2n -k1,1r csv.txt",
    "sort -z noeol.txt | tr '\\0' '|'",
    "sort -o /tmp/out.txt a.txt; cat /tmp/out.txt",
    "sort -M <<< $'Mar\\nJan\\nfoo\\nDec'",
    "sort -k",
    "sort --bogus",
    "sort noeol.txt",
    // uniq
    "uniq dup.txt",
    "uniq -c dup.txt",
    "uniq -d dup.txt",
    "uniq -u dup.txt",
    "uniq -i dup.txt",
    "uniq -ic dup.txt",
    "uniq -D dup.txt",
    "sort dup.txt | uniq -c | sort -rn",
    "uniq -f 1 people.txt",
    "uniq -s 1 dup.txt",
    "uniq -w 1 a.txt",
    "uniq nope.txt",
    "uniq noeol.txt",
    // cut
    "cut -d, -f1 csv.txt",
    "cut -d, -f2,3 csv.txt",
    "cut -d, -f2- csv.txt",
    "cut -d: -f1,3 --output-delimiter=' | ' fields.txt",
    "cut -c1-3 a.txt",
    "cut -b2 a.txt",
    "cut -c -2,4- a.txt",
    "cut -d' ' -f2 words.txt",
    "cut -d, -f1 --complement csv.txt",
    "cut -f2 tabs.txt",
    "cut -s -f2 tabs.txt",
    "cut a.txt",
    "cut -f0 a.txt",
    "cut -d ab -f1 a.txt",
    "cut -c1-2 noeol.txt",
    // tr
    "tr a-z A-Z < a.txt",
    "tr -d aeiou < a.txt",
    "tr -s 'p' < a.txt",
    "tr -c 'a-z\\n' '_' < a.txt",
    "tr -cd 'a-z\\n' < a.txt",
    "tr '[:lower:]' '[:upper:]' < words.txt",
    "tr -s '[:space:]' '\\n' < words.txt",
    "tr abc xy < a.txt",
    "echo hello | tr -t abcdefgh xy",
    "echo 'a b  c' | tr -s ' '",
    "echo hello | tr 'a-y' 'b-z'",
    "echo hello | tr -d '\\n'",
    "echo 'x1y2' | tr -d '[:digit:]'",
    "echo aabbcc | tr -s a-c",
    "echo abc | tr '[a*]' x",
    "tr",
    "tr a",
    "tr a b c",
    // tac, rev
    "tac a.txt",
    "tac noeol.txt",
    "tac a.txt nums.txt",
    "cat a.txt | tac",
    "tac nope.txt",
    "rev a.txt",
    "rev noeol.txt",
    "rev nope.txt",
    // nl
    "nl a.txt",
    "nl -ba tabs.txt",
    "nl -b a -n ln a.txt",
    "nl -n rz -w 3 a.txt",
    "nl -s ': ' -v 10 -i 5 a.txt",
    "nl <<< $'a\\n\\nb'",
    "nl noeol.txt",
    "nl -bn a.txt",
    // fold
    "fold -w 20 long.txt",
    "fold -w 20 -s long.txt",
    "fold -w 5 a.txt",
    "fold -b -w 4 tabs.txt",
    "fold -w 10 tabs.txt",
    "fold -w 0 a.txt",
    // expand / unexpand
    "expand tabs.txt",
    "expand -t 4 tabs.txt",
    "expand -t 2,6 tabs.txt",
    "expand -i tabs.txt",
    "unexpand tabs.txt",
    "unexpand -a tabs.txt",
    "expand tabs.txt | unexpand -a",
    "unexpand <<< $'        x\\n    y\\n  \\tz\\na        b'",
    "unexpand -t 4 <<< 'a       b'",
    // paste
    "paste left.txt right.txt",
    "paste -d, left.txt right.txt",
    "paste -s left.txt",
    "paste -s -d, left.txt right.txt",
    "paste - - < a.txt",
    "paste -d ':,' left.txt right.txt left.txt",
    "paste left.txt noeol.txt",
    "paste nope.txt",
    // join
    "join people.txt ages.txt",
    "join -a1 people.txt ages.txt",
    "join -a2 people.txt ages.txt",
    "join -v1 people.txt ages.txt",
    "join -v2 people.txt ages.txt",
    "join -o 1.2,2.2 people.txt ages.txt",
    "join -a1 -e NA -o 0,1.2,2.2 people.txt ages.txt",
    "join -t, -1 1 -2 1 csv.txt csv.txt",
    "join -t: -o 1.1,2.3 fields.txt fields.txt",
    "join -j1 people.txt ages.txt",
    "join people.txt",
    "join a.txt nums.txt",
    // comm
    "comm left.txt right.txt",
    "comm -12 left.txt right.txt",
    "comm -23 left.txt right.txt",
    "comm -3 left.txt right.txt",
    "comm --output-delimiter=, left.txt right.txt",
    "comm a.txt left.txt",
    "comm left.txt",
    // column
    "column -t table.txt",
    "column -t -s, csv.txt",
    "column -t -s, -o ' | ' csv.txt",
    "column -t fields.txt",
    "column -t -s: fields.txt",
    "seq 1 30 | column",
    "seq 1 30 | column -x",
    "column a.txt",
    "column -t <<< $'a b c\\nd'",
    // seq
    "seq 5",
    "seq 2 5",
    "seq 1 2 10",
    "seq 10 -3 1",
    "seq 1 0.5 3",
    "seq 0.1 0.1 0.5",
    "seq -w 8 11",
    "seq -w -3 1",
    "seq -s, 5",
    "seq -s ' ' 3",
    "seq -f '%03g' 3",
    "seq -f 'x%.2fy' 1 2",
    "seq 1e2 1e2 3e2",
    "seq 3 1",
    "seq 1 0 2",
    "seq",
    "seq x",
    "seq -f %d 3",
    "seq -1 1",
    "seq 1.0 3",
    "seq 100000 | tail -n 1",
    "seq -w 1 0.5 2",
    // tree
    "tree log",
    "tree src",
    "tree -a log",
    "tree -d .",
    "tree -L 1 log",
    "tree -I old log",
    "tree nope",
    "tree emptydir",
    "tree --noreport src",
    // du
    "du log | sort",
    "du -s log",
    "du -a log | sort",
    "du -sh log",
    "du -b log/app.log",
    "du -ab src | sort",
    "du -c a.txt nums.txt",
    "du --max-depth=0 log",
    "du -d 1 . | sort",
    "du nope",
    "du a.txt",
    "du -sb src",
    // stat
    "stat -c '%n %s %F' a.txt log empty.txt",
    "stat -c '%a %A %h %U %G %b %B %o' a.txt log",
    "stat --printf '%n|%s\\n' a.txt",
    "stat nope",
    "stat -c %s noeol.txt",
    // file
    "file a.txt",
    "file -b a.txt",
    "file empty.txt log log/data.json",
    "file -i a.txt empty.txt log",
    "file nope",
    // rg
    "rg apple a.txt",
    "rg -n apple a.txt",
    "rg -i BANANA a.txt",
    "rg -c an a.txt",
    "rg -l ERROR log | sort",
    "rg ERROR log | sort",
    "rg -n ERROR log | sort",
    "rg -w the words.txt",
    "rg -F 'a.p' a.txt",
    "rg -v an a.txt",
    "rg zzz a.txt; echo $?",
    "rg -g '*.rs' TODO | sort",
    "rg --no-heading TODO src | sort",
    "rg nope nope.txt",
    // more agent-style usage
    "grep -rn 'fn ' src --include='*.rs' | sort",
    "grep -c '' a.txt noeol.txt",
    "grep -l ERROR log/*.log",
    "grep -o -i 'A[a-z]*' a.txt",
    "grep -w pie a.txt",
    "grep -n -v a a.txt",
    "grep -A 2 -B 1 ERROR log/app.log",
    "grep -e ERROR -e WARN log/app.log | wc -l",
    "grep -x -F -f left.txt right.txt",
    "grep -f left.txt right.txt",
    "grep -E '^[[:digit:]]+$' nums.txt",
    "grep -P '\\d+' nums.txt",
    "grep '\\bthe\\b' words.txt",
    "grep -i 'APPLE\\|cherry' a.txt",
    "grep '*' a.txt",
    "grep -m1 -c an a.txt",
    "grep --color=never apple a.txt",
    "grep -rh ERROR log | sort",
    "grep -ril error log | sort",
    "grep -rL ERROR log | sort",
    "grep -b apple a.txt",
    "grep ERROR log/app.log | head -1",
    "grep foo bin.dat",
    "grep -c foo bin.dat",
    "grep -a foo bin.dat | tr '\\0' '@'",
    "grep -l foo bin.dat a.txt",
    "grep -r baz . | sort",
    "grep -E 'x|' noeol.txt",
    "grep -E '(a|b)+n' a.txt",
    "grep -c . empty.txt",
    "grep -vn ERROR log/app.log",
    "grep -oE '[0-9]+' csv.txt",
    "grep -E 'o{2,}' words.txt a.txt",
    "grep -i 'h\u{c9}llo' utf8.txt; echo $?",
    "grep 'w.rld' utf8.txt",
    "grep -q . a.txt nope.txt; echo $?",
    "grep -rn ERROR log --exclude='*.json' --exclude-dir=old | sort",
    "grep -Z -l apple a.txt | tr '\\0' '@'",
    "grep -T apple a.txt",
    "sort -t, -k2nr csv.txt",
    "sort -k2,2 -k1,1 people.txt",
    "sort -rn -k2 ages.txt",
    "sort -n -t: -k2 fields.txt",
    "sort -V -r ver.txt",
    "sort -h -r human.txt",
    "sort -R a.txt | sort",
    "sort -n -u nums.txt",
    "sort -g -u nums.txt",
    "sort -r mixed.txt",
    "sort -k2 -t ' ' words.txt",
    "sort --key=2,2 words.txt",
    "sort -k1.3 a.txt",
    "sort -k1,1.3 a.txt",
    "sort -t, -k2 -n -r csv.txt | head -2",
    "sort -n nums.txt | uniq | head -3",
    "sort -s -k1,1 dup.txt",
    "sort -i mixed.txt",
    "sort -bk2 tabs.txt",
    "uniq -c a.txt",
    "uniq -cd dup.txt",
    "uniq -u -i dup.txt",
    "sort -f dup.txt | uniq -ci",
    "cut -c3- a.txt",
    "cut -d ' ' -f 1,3 words.txt",
    "cut -d: -f2 --complement fields.txt",
    "cut -b1-2,4 --output-delimiter=- a.txt",
    "cut -d, -f3 csv.txt | sort -u",
    "cut -c 2 utf8.txt | wc -c",
    "tr -d '\\n' < a.txt",
    "tr '\\n' ' ' < a.txt",
    "tr 'a-z' 'n-za-m' < a.txt",
    "tr -c '[:alnum:]\\n' '_' < csv.txt",
    "echo 'Hello World' | tr '[:upper:][:lower:]' '[:lower:][:upper:]'",
    "tr -dc '[:print:]\\n' < tabs.txt",
    "echo abc-def | tr -d 'b-'",
    "tr -s '\\r\\n' '\\n' < crlf.txt",
    "tr ',' '\\t' < csv.txt",
    "tr -d '\\r' < crlf.txt",
    "echo hello | tr '[:lower:]' 'A-Z'",
    "echo 'a1b2' | tr '0-9' '#'",
    "echo aaa | tr a '\\101'",
    "tail -n +1 a.txt",
    "tail -c 0 a.txt",
    "tail -n 100 a.txt",
    "tail -n2 a.txt noeol.txt",
    "tail -1 noeol.txt",
    "tail -n 1 empty.txt a.txt",
    "seq 20 | tail -n 3",
    "seq 5 | tail -c 4",
    "find . -type f -name '*.txt' | wc -l",
    "find . -path './log/*' -name '*.log' | sort",
    "find log -type f -exec grep -H ERROR {} \\; | sort",
    "find . -maxdepth 1 -type d | sort",
    "find . -mindepth 1 -maxdepth 1 -name '*.txt' | sort | head -3",
    "find log -name '*.LOG'",
    "find log -iname '*.LOG' | sort",
    "find src -name '*.rs' -exec wc -l {} + | sort",
    "find . -name '*.json' -o -name '*.sh' | sort",
    "find log -type f -size +10c | sort",
    "find log -type f ! -empty | sort",
    "find log -type f -name '*.log' -printf '%p %s\\n' | sort",
    "find src -type d -printf '%d %p\\n' | sort",
    "find . -name emptydir -type d",
    "find log -name app.log -print -quit",
    "find a.txt",
    "find a.txt -name '*.txt'",
    "find log -type f -mmin -60 -name app.log",
    "find log -type f -mtime +1",
    "seq -s: 1 5",
    "seq 0 0.25 1",
    "seq -w 0 5 100 | head -3",
    "seq 5 | tac",
    "seq -f 'item-%g' 3",
    "seq 1 3 | paste -sd+",
    "seq 10 | tail -3",
    "seq 6 | paste - - -",
    "seq -s ', ' 1 3",
    "seq 3 -1 -2",
    "seq 1 1.5 6",
    "column -t -s: -o ' ' fields.txt",
    "cat csv.txt | column -t -s,",
    "column -t -R 2 table.txt",
    "column -t words.txt",
    "nl -w2 -s' ' a.txt",
    "nl -ba -nrz nums.txt | head -3",
    "paste -sd, nums.txt",
    "paste -d'\\n' left.txt right.txt",
    "paste -d '' left.txt right.txt",
    "join -t: fields.txt fields.txt",
    "join -i left.txt right.txt",
    "join -o auto -a1 people.txt ages.txt",
    "join -e X -o 1.1,1.2,2.2 -a2 people.txt ages.txt",
    "comm -13 left.txt right.txt",
    "comm --total left.txt right.txt",
    "stat -c '%s' a.txt nums.txt",
    "stat -c '%n: %F' emptydir",
    "stat -c '%h' log emptydir",
    "stat -c '%-10n|%5s|' a.txt",
    "stat -c '%A %n' run.sh log",
    "du -sh .",
    "du -sc log src",
    "du -h a.txt",
    "du -k a.txt",
    "du -m long.txt",
    "du -s emptydir",
    "du -bs emptydir log",
    "tree -L 2 .",
    "tree -F src",
    "tree -f src",
    "tree --dirsfirst log",
    "tree log src",
    "tree a.txt",
    "tree -a -I 'old|*.json' log",
    "tree -P '*.log' log",
    "file nums.txt noeol.txt",
    "file -b --mime-type log/data.json",
    "file tabs.txt utf8.txt crlf.txt run.sh bin.dat",
    "file -i utf8.txt run.sh bin.dat",
    "file long.txt log/empty.log",
    "rg -o 'ERROR \\w+' log/app.log",
    "rg -c ERROR log | sort",
    "rg --files log | sort",
    "rg -i error log/app.log",
    "rg -w ERROR -m1 log/app.log",
    "rg -A1 disk log/app.log",
    "rg -e ERROR -e WARN log/app.log",
    "rg -t rust TODO | sort",
    "rg 'a(' a.txt",
    "rg -x apple a.txt",
    "rg -q apple a.txt; echo $?",
    "rg --hidden ERROR log | sort",
    "rg -uu ERROR log | sort",
    "cat a.txt | rg apple",
    "rg -n apple < a.txt",
    "rg -N apple a.txt",
    "rg -S Apple a.txt; echo $?",
    "rg -S apple a.txt",
    "rg foo bin.dat; echo $?",
    "rg -l foo . | sort",
    "rg -c the words.txt a.txt | sort",
    "rg -H apple a.txt",
    "rg '^\\d+$' nums.txt",
];

// BEGIN RECORDED
const EXPECTED: &[(&str, &str, &str, i32)] = &[
    ("tail -n 2 a.txt", "apple pie\nBanana split\n", "", 0),
    ("tail -n +3 a.txt", "cherry\napple pie\nBanana split\n", "", 0),
    ("tail -c 8 a.txt", "a split\n", "", 0),
    ("tail -c +5 noeol.txt", "two\nthree", "", 0),
    ("tail -2 a.txt", "apple pie\nBanana split\n", "", 0),
    ("tail -n 1 noeol.txt", "three", "", 0),
    ("tail a.txt nums.txt", "==> a.txt <==\napple\nbanana\ncherry\napple pie\nBanana split\n\n==> nums.txt <==\n10\n9\n100\n-5\n3.5\n0\n2e3\n1K\n2M\n-0\n", "", 0),
    ("tail -q -n1 a.txt nums.txt", "Banana split\n-0\n", "", 0),
    ("tail -v -n1 a.txt", "==> a.txt <==\nBanana split\n", "", 0),
    ("tail -n 0 a.txt", "", "", 0),
    ("tail -n 3 empty.txt", "", "", 0),
    ("cat a.txt | tail -n 2", "apple pie\nBanana split\n", "", 0),
    ("cat a.txt | tail -n +4", "apple pie\nBanana split\n", "", 0),
    ("cat a.txt | tail -c 5", "plit\n", "", 0),
    ("tail nope.txt", "", "tail: cannot open 'nope.txt' for reading: No such file or directory\n", 1),
    ("tail -n x a.txt", "", "tail: invalid number of lines: 'x'\n", 1),
    ("tail log", "", "tail: error reading 'log': Is a directory\n", 1),
    ("grep apple a.txt", "apple\napple pie\n", "", 0),
    ("grep -i banana a.txt", "banana\nBanana split\n", "", 0),
    ("grep -n an a.txt", "2:banana\n5:Banana split\n", "", 0),
    ("grep -c an a.txt", "2\n", "", 0),
    ("grep -v an a.txt", "apple\ncherry\napple pie\n", "", 0),
    ("grep -w apple a.txt", "apple\napple pie\n", "", 0),
    ("grep -x apple a.txt", "apple\n", "", 0),
    ("grep -o 'an' a.txt", "an\nan\nan\nan\n", "", 0),
    ("grep -E 'ap+le|cherry' a.txt", "apple\ncherry\napple pie\n", "", 0),
    ("grep 'ap\\+le' a.txt", "apple\napple pie\n", "", 0),
    ("grep 'a\\(pp\\|na\\)' a.txt", "apple\nbanana\napple pie\nBanana split\n", "", 0),
    ("grep -F 'a.p' a.txt", "", "", 1),
    ("grep 'a.p' a.txt", "apple\napple pie\n", "", 0),
    ("grep '^[ab]' a.txt", "apple\nbanana\napple pie\n", "", 0),
    ("grep '[[:upper:]]' a.txt", "Banana split\n", "", 0),
    ("grep -e apple -e cherry a.txt", "apple\ncherry\napple pie\n", "", 0),
    ("grep -l apple a.txt nums.txt words.txt", "a.txt\n", "", 0),
    ("grep -L apple a.txt nums.txt words.txt", "nums.txt\nwords.txt\n", "", 0),
    ("grep -q apple a.txt; echo $?", "0\n", "", 0),
    ("grep -q zzz a.txt; echo $?", "1\n", "", 0),
    ("grep zzz a.txt", "", "", 1),
    ("grep apple nope.txt", "", "grep: nope.txt: No such file or directory\n", 2),
    ("grep -s apple nope.txt", "", "", 2),
    ("grep apple a.txt nope.txt", "a.txt:apple\na.txt:apple pie\n", "grep: nope.txt: No such file or directory\n", 2),
    ("grep -h the words.txt a.txt", "the quick brown fox\njumps over the lazy dog\nthe end\n", "", 0),
    ("grep -H apple a.txt", "a.txt:apple\na.txt:apple pie\n", "", 0),
    ("grep -m 1 an a.txt", "banana\n", "", 0),
    ("grep -A 1 disk log/app.log", "ERROR disk full\nINFO retry\n", "", 0),
    ("grep -B 1 net log/app.log", "WARN slow\nERROR net down\n", "", 0),
    ("grep -C 1 retry log/app.log", "ERROR disk full\nINFO retry\nWARN slow\n", "", 0),
    ("grep -n -C 1 ERROR log/app.log", "1-INFO start\n2:ERROR disk full\n3-INFO retry\n4-WARN slow\n5:ERROR net down\n6-INFO done\n", "", 0),
    ("grep -r ERROR log | sort", "log/.hidden:ERROR hidden\nlog/app.log:ERROR disk full\nlog/app.log:ERROR net down\nlog/old/app.1.log:ERROR ancient\n", "", 0),
    ("grep -r ERROR log/ | sort", "log/.hidden:ERROR hidden\nlog/app.log:ERROR disk full\nlog/app.log:ERROR net down\nlog/old/app.1.log:ERROR ancient\n", "", 0),
    ("grep -rn ERROR log --include='*.log' | sort", "log/app.log:2:ERROR disk full\nlog/app.log:5:ERROR net down\nlog/old/app.1.log:1:ERROR ancient\n", "", 0),
    ("grep -r ERROR log --exclude-dir=old | sort", "log/.hidden:ERROR hidden\nlog/app.log:ERROR disk full\nlog/app.log:ERROR net down\n", "", 0),
    ("grep -rl TODO src | sort", "src/lib.rs\nsrc/util/mod.rs\n", "", 0),
    ("grep -rc TODO src | sort", "src/lib.rs:1\nsrc/main.rs:0\nsrc/util/mod.rs:1\n", "", 0),
    ("grep -r TODO . | sort", "./src/lib.rs:// TODO: more\n./src/util/mod.rs:// TODO: util\n", "", 0),
    ("cd src && grep -r TODO | sort", "lib.rs:// TODO: more\nutil/mod.rs:// TODO: util\n", "", 0),
    ("grep ERROR log", "", "grep: log: Is a directory\n", 2),
    ("cat a.txt | grep an", "banana\nBanana split\n", "", 0),
    ("cat a.txt | grep -c an -", "2\n", "", 0),
    ("grep -E 'a{2}' a.txt nums.txt", "", "", 1),
    ("grep -E '(an){2}' a.txt", "banana\nBanana split\n", "", 0),
    ("grep '\\<the\\>' words.txt", "the quick brown fox\njumps over the lazy dog\nthe end\n", "", 0),
    ("grep 'x\\{1' a.txt", "", "grep: Unmatched \\{\n", 2),
    ("grep -E '(' a.txt", "", "grep: Unmatched ( or \\(\n", 2),
    ("grep '[a' a.txt", "", "grep: Unmatched [, [^, [:, [., or [=\n", 2),
    ("grep -y APPLE a.txt", "apple\napple pie\n", "", 0),
    ("grep -ow 'the' words.txt", "the\nthe\nthe\n", "", 0),
    ("grep -vc '^$' words.txt", "3\n", "", 0),
    ("grep -n '' noeol.txt", "1:one\n2:two\n3:three\n", "", 0),
    ("grep -iE '^(banana|cherry)$' a.txt", "banana\ncherry\n", "", 0),
    ("grep -Fx 'apple pie' a.txt", "apple pie\n", "", 0),
    ("grep -e '' empty.txt; echo $?", "1\n", "", 0),
    ("grep -A1 -m1 INFO log/app.log", "INFO start\nERROR disk full\n", "", 0),
    ("grep -c ERROR log/app.log log/old/app.1.log", "log/app.log:2\nlog/old/app.1.log:1\n", "", 0),
    ("grep -o '[0-9]\\+' nums.txt", "10\n9\n100\n5\n3\n5\n0\n2\n3\n1\n2\n0\n", "", 0),
    ("grep '\\.' nums.txt", "3.5\n", "", 0),
    ("grep -E '^-?[0-9]+$' nums.txt", "10\n9\n100\n-5\n0\n-0\n", "", 0),
    ("grep --bogus x a.txt", "", "grep: unrecognized option '--bogus'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n", 2),
    ("grep", "", "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n", 2),
    ("grep -A x y a.txt", "", "grep: x: invalid context length argument\n", 2),
    ("find log | sort", "log\nlog/.hidden\nlog/app.log\nlog/data.json\nlog/empty.log\nlog/old\nlog/old/app.1.log\n", "", 0),
    ("find log -type f | sort", "log/.hidden\nlog/app.log\nlog/data.json\nlog/empty.log\nlog/old/app.1.log\n", "", 0),
    ("find log -type d | sort", "log\nlog/old\n", "", 0),
    ("find . -name '*.rs' | sort", "./src/lib.rs\n./src/main.rs\n./src/util/mod.rs\n", "", 0),
    ("find . -iname 'A*' | sort", "./a.txt\n./ages.txt\n./log/app.log\n./log/old/app.1.log\n", "", 0),
    ("find log -maxdepth 1 | sort", "log\nlog/.hidden\nlog/app.log\nlog/data.json\nlog/empty.log\nlog/old\n", "", 0),
    ("find log -mindepth 2 | sort", "log/old/app.1.log\n", "", 0),
    ("find log -name '*.log' -o -name '*.json' | sort", "log/app.log\nlog/data.json\nlog/empty.log\nlog/old/app.1.log\n", "", 0),
    ("find log ! -name '*.log' | sort", "log\nlog/.hidden\nlog/data.json\nlog/old\n", "", 0),
    ("find log -not -type d -name 'app*'", "log/app.log\nlog/old/app.1.log\n", "", 0),
    ("find log \\( -name '*.json' -o -name '.hidden' \\) -print | sort", "log/.hidden\nlog/data.json\n", "", 0),
    ("find log -empty | sort", "log/empty.log\n", "", 0),
    ("find . -empty | sort", "./empty.txt\n./emptydir\n./log/empty.log\n", "", 0),
    ("find log -path '*old*' | sort", "log/old\nlog/old/app.1.log\n", "", 0),
    ("find log -size -1k | sort", "log/empty.log\n", "", 0),
    ("find log -size +0 | sort", "log\nlog/.hidden\nlog/app.log\nlog/data.json\nlog/old\nlog/old/app.1.log\n", "", 0),
    ("find . -size +60c -type f | sort", "./log/app.log\n./long.txt\n./src/lib.rs\n", "", 0),
    ("find log -type f -exec wc -l {} \\; | sort", "0 log/empty.log\n1 log/.hidden\n1 log/data.json\n2 log/old/app.1.log\n6 log/app.log\n", "", 0),
    ("find log -type f -exec echo {} + | tr ' ' '\\n' | sort", "log/.hidden\nlog/app.log\nlog/data.json\nlog/empty.log\nlog/old/app.1.log\n", "", 0),
    ("find log -name app.log -exec echo found {} +", "found log/app.log\n", "", 0),
    ("find log -name '*.log' -print0 | tr '\\0' '\\n' | sort", "log/app.log\nlog/empty.log\nlog/old/app.1.log\n", "", 0),
    ("find src -type f -printf '%f %s %d\\n' | sort", "lib.rs 62 1\nmain.rs 37 1\nmod.rs 25 2\n", "", 0),
    ("find log/ -maxdepth 1 -type f | sort", "log/.hidden\nlog/app.log\nlog/data.json\nlog/empty.log\n", "", 0),
    ("find src -name '*.rs' | sort", "src/lib.rs\nsrc/main.rs\nsrc/util/mod.rs\n", "", 0),
    ("find nope", "", "find: 'nope': No such file or directory\n", 1),
    ("find log -foo", "", "find: unknown predicate `-foo'\n", 1),
    ("find log -name", "", "find: missing argument to `-name'\n", 1),
    ("find log -type q", "", "find: Unknown argument to -type: q\n", 1),
    ("find log -mtime -1 -type f -name '*.json'", "log/data.json\n", "", 0),
    ("find log -newer nope", "", "find: 'nope': No such file or directory\n", 1),
    ("find log -maxdepth 1 -name old -prune -o -type f -print | sort", "log/.hidden\nlog/app.log\nlog/data.json\nlog/empty.log\n", "", 0),
    ("find . -maxdepth 0", ".\n", "", 0),
    ("find log -quit", "", "", 0),
    ("find emptydir", "emptydir\n", "", 0),
    ("sort a.txt", "Banana split\napple\napple pie\nbanana\ncherry\n", "", 0),
    ("sort -r a.txt", "cherry\nbanana\napple pie\napple\nBanana split\n", "", 0),
    ("sort -n nums.txt", "-5\n-0\n0\n1K\n2M\n2e3\n3.5\n9\n10\n100\n", "", 0),
    ("sort -g nums.txt", "-5\n-0\n0\n1K\n2M\n3.5\n9\n10\n100\n2e3\n", "", 0),
    ("sort -h human.txt", "100\n1.5K\n512K\n10M\n2G\n", "", 0),
    ("sort -V ver.txt", "file1.txt\nfile1.2\nfile1.10\nfile2.txt\nfile10.txt\n", "", 0),
    ("sort -u dup.txt", "B\na\nb\nc\n", "", 0),
    ("sort -f dup.txt", "a\na\nB\nb\nb\nc\nc\nc\n", "", 0),
    ("sort -fu dup.txt", "a\nb\nc\n", "", 0),
    ("sort mixed.txt", "  gamma\n10\n9\nBeta\nZeta\n_under\nalpha\n", "", 0),
    ("sort -f mixed.txt", "  gamma\n10\n9\nalpha\nBeta\nZeta\n_under\n", "", 0),
    ("sort -d mixed.txt", "  gamma\n10\n9\nBeta\nZeta\nalpha\n_under\n", "", 0),
    ("sort -b mixed.txt", "10\n9\nBeta\nZeta\n_under\nalpha\n  gamma\n", "", 0),
    ("sort -t, -k2 -n csv.txt", "name,age,city\nbob,25,berlin\nalice,30,paris\ncarol,35,\n", "", 0),
    ("sort -t, -k3 csv.txt", "carol,35,\nbob,25,berlin\nname,age,city\nalice,30,paris\n", "", 0),
    ("sort -t: -k2,2n fields.txt", "x:1:foo\nz:3:baz\ny:22:bar\n", "", 0),
    ("sort -t: -k2,2nr fields.txt", "y:22:bar\nz:3:baz\nx:1:foo\n", "", 0),
    ("sort -k2 words.txt", "the end\njumps over the lazy dog\nthe quick brown fox\n", "", 0),
    ("sort -t= -k1,1 -s kv.txt", "a=1\na=0\nb=2\nc=3\n", "", 0),
    ("sort -t= -k1,1 kv.txt", "a=0\na=1\nb=2\nc=3\n", "", 0),
    ("sort -t= -k1,1 -u kv.txt", "a=1\nb=2\nc=3\n", "", 0),
    ("sort -nr nums.txt", "100\n10\n9\n3.5\n2e3\n2M\n1K\n0\n-0\n-5\n", "", 0),
    ("sort -c a.txt", "", "sort: a.txt:4: disorder: apple pie\n", 1),
    ("sort -c dup.txt", "", "sort: dup.txt:4: disorder: B\n", 1),
    ("sort -C a.txt; echo $?", "1\n", "", 0),
    ("sort a.txt nums.txt | head -n 4", "-0\n-5\n0\n10\n", "", 0),
    ("sort nope.txt", "", "sort: cannot read: nope.txt: No such file or directory\n", 2),
    ("sort -k 1.2,1.3 a.txt", "Banana split\nbanana\ncherry\napple\napple pie\n", "", 0),
    ("sort -t, -k2,2n -k1,1r csv.txt", "name,age,city\nbob,25,berlin\nalice,30,paris\ncarol,35,\n", "", 0),
    ("sort -z noeol.txt | tr '\\0' '|'", "one\ntwo\nthree|", "", 0),
    ("sort -o /tmp/out.txt a.txt; cat /tmp/out.txt", "Banana split\napple\napple pie\nbanana\ncherry\n", "", 0),
    ("sort -M <<< $'Mar\\nJan\\nfoo\\nDec'", "foo\nJan\nMar\nDec\n", "", 0),
    ("sort -k", "", "sort: option requires an argument -- 'k'\nTry 'sort --help' for more information.\n", 2),
    ("sort --bogus", "", "sort: unrecognized option '--bogus'\nTry 'sort --help' for more information.\n", 2),
    ("sort noeol.txt", "one\nthree\ntwo\n", "", 0),
    ("uniq dup.txt", "a\nb\nB\nb\nc\n", "", 0),
    ("uniq -c dup.txt", "      2 a\n      1 b\n      1 B\n      1 b\n      3 c\n", "", 0),
    ("uniq -d dup.txt", "a\nc\n", "", 0),
    ("uniq -u dup.txt", "b\nB\nb\n", "", 0),
    ("uniq -i dup.txt", "a\nb\nc\n", "", 0),
    ("uniq -ic dup.txt", "      2 a\n      3 b\n      3 c\n", "", 0),
    ("uniq -D dup.txt", "a\na\nc\nc\nc\n", "", 0),
    ("sort dup.txt | uniq -c | sort -rn", "      3 c\n      2 b\n      2 a\n      1 B\n", "", 0),
    ("uniq -f 1 people.txt", "1 alice\n2 bob\n3 carol\n5 eve\n", "", 0),
    ("uniq -s 1 dup.txt", "a\n", "", 0),
    ("uniq -w 1 a.txt", "apple\nbanana\ncherry\napple pie\nBanana split\n", "", 0),
    ("uniq nope.txt", "", "uniq: nope.txt: No such file or directory\n", 1),
    ("uniq noeol.txt", "one\ntwo\nthree\n", "", 0),
    ("cut -d, -f1 csv.txt", "name\nalice\nbob\ncarol\n", "", 0),
    ("cut -d, -f2,3 csv.txt", "age,city\n30,paris\n25,berlin\n35,\n", "", 0),
    ("cut -d, -f2- csv.txt", "age,city\n30,paris\n25,berlin\n35,\n", "", 0),
    ("cut -d: -f1,3 --output-delimiter=' | ' fields.txt", "x | foo\ny | bar\nz | baz\n", "", 0),
    ("cut -c1-3 a.txt", "app\nban\nche\napp\nBan\n", "", 0),
    ("cut -b2 a.txt", "p\na\nh\np\na\n", "", 0),
    ("cut -c -2,4- a.txt", "aple\nbaana\nchrry\naple pie\nBaana split\n", "", 0),
    ("cut -d' ' -f2 words.txt", "quick\nover\nend\n", "", 0),
    ("cut -d, -f1 --complement csv.txt", "age,city\n30,paris\n25,berlin\n35,\n", "", 0),
    ("cut -f2 tabs.txt", "b\nindented\nno tabs here\n        eight spaces\n", "", 0),
    ("cut -s -f2 tabs.txt", "b\nindented\n", "", 0),
    ("cut a.txt", "", "cut: you must specify a list of bytes, characters, or fields\nTry 'cut --help' for more information.\n", 1),
    ("cut -f0 a.txt", "", "cut: fields are numbered from 1\nTry 'cut --help' for more information.\n", 1),
    ("cut -d ab -f1 a.txt", "", "cut: the delimiter must be a single character\nTry 'cut --help' for more information.\n", 1),
    ("cut -c1-2 noeol.txt", "on\ntw\nth\n", "", 0),
    ("tr a-z A-Z < a.txt", "APPLE\nBANANA\nCHERRY\nAPPLE PIE\nBANANA SPLIT\n", "", 0),
    ("tr -d aeiou < a.txt", "ppl\nbnn\nchrry\nppl p\nBnn splt\n", "", 0),
    ("tr -s 'p' < a.txt", "aple\nbanana\ncherry\naple pie\nBanana split\n", "", 0),
    ("tr -c 'a-z\\n' '_' < a.txt", "apple\nbanana\ncherry\napple_pie\n_anana_split\n", "", 0),
    ("tr -cd 'a-z\\n' < a.txt", "apple\nbanana\ncherry\napplepie\nananasplit\n", "", 0),
    ("tr '[:lower:]' '[:upper:]' < words.txt", "THE QUICK BROWN FOX\nJUMPS OVER THE LAZY DOG\nTHE END\n", "", 0),
    ("tr -s '[:space:]' '\\n' < words.txt", "the\nquick\nbrown\nfox\njumps\nover\nthe\nlazy\ndog\nthe\nend\n", "", 0),
    ("tr abc xy < a.txt", "xpple\nyxnxnx\nyherry\nxpple pie\nBxnxnx split\n", "", 0),
    ("echo hello | tr -t abcdefgh xy", "hello\n", "", 0),
    ("echo 'a b  c' | tr -s ' '", "a b c\n", "", 0),
    ("echo hello | tr 'a-y' 'b-z'", "ifmmp\n", "", 0),
    ("echo hello | tr -d '\\n'", "hello", "", 0),
    ("echo 'x1y2' | tr -d '[:digit:]'", "xy\n", "", 0),
    ("echo aabbcc | tr -s a-c", "abc\n", "", 0),
    ("echo abc | tr '[a*]' x", "", "tr: the [c*] repeat construct may not appear in string1\n", 1),
    ("tr", "", "tr: missing operand\nTry 'tr --help' for more information.\n", 1),
    ("tr a", "", "tr: missing operand after 'a'\nTwo strings must be given when translating.\nTry 'tr --help' for more information.\n", 1),
    ("tr a b c", "", "tr: extra operand 'c'\nTry 'tr --help' for more information.\n", 1),
    ("tac a.txt", "Banana split\napple pie\ncherry\nbanana\napple\n", "", 0),
    ("tac noeol.txt", "threetwo\none\n", "", 0),
    ("tac a.txt nums.txt", "Banana split\napple pie\ncherry\nbanana\napple\n-0\n2M\n1K\n2e3\n0\n3.5\n-5\n100\n9\n10\n", "", 0),
    ("cat a.txt | tac", "Banana split\napple pie\ncherry\nbanana\napple\n", "", 0),
    ("tac nope.txt", "", "tac: failed to open 'nope.txt' for reading: No such file or directory\n", 1),
    ("rev a.txt", "elppa\nananab\nyrrehc\neip elppa\ntilps ananaB\n", "", 0),
    ("rev noeol.txt", "eno\nowt\neerht", "", 0),
    ("rev nope.txt", "", "rev: cannot open nope.txt: No such file or directory\n", 1),
    ("nl a.txt", "     1\tapple\n     2\tbanana\n     3\tcherry\n     4\tapple pie\n     5\tBanana split\n", "", 0),
    ("nl -ba tabs.txt", "     1\ta\tb\tc\n     2\t\tindented\n     3\tno tabs here\n     4\t        eight spaces\n", "", 0),
    ("nl -b a -n ln a.txt", "1     \tapple\n2     \tbanana\n3     \tcherry\n4     \tapple pie\n5     \tBanana split\n", "", 0),
    ("nl -n rz -w 3 a.txt", "001\tapple\n002\tbanana\n003\tcherry\n004\tapple pie\n005\tBanana split\n", "", 0),
    ("nl -s ': ' -v 10 -i 5 a.txt", "    10: apple\n    15: banana\n    20: cherry\n    25: apple pie\n    30: Banana split\n", "", 0),
    ("nl <<< $'a\\n\\nb'", "     1\ta\n       \n     2\tb\n", "", 0),
    ("nl noeol.txt", "     1\tone\n     2\ttwo\n     3\tthree\n", "", 0),
    ("nl -bn a.txt", "       apple\n       banana\n       cherry\n       apple pie\n       Banana split\n", "", 0),
    ("fold -w 20 long.txt", "The quick brown fox \njumps over the lazy \ndog and keeps runnin\ng far away\n", "", 0),
    ("fold -w 20 -s long.txt", "The quick brown fox \njumps over the lazy \ndog and keeps \nrunning far away\n", "", 0),
    ("fold -w 5 a.txt", "apple\nbanan\na\ncherr\ny\napple\n pie\nBanan\na spl\nit\n", "", 0),
    ("fold -b -w 4 tabs.txt", "a\tb\t\nc\n\tind\nente\nd\nno t\nabs \nhere\n    \n    \neigh\nt sp\naces\n", "", 0),
    ("fold -w 10 tabs.txt", "a\tb\n\tc\n\tin\ndented\nno tabs he\nre\n        ei\nght spaces\n", "", 0),
    ("fold -w 0 a.txt", "", "fold: invalid number of columns: '0': Numerical result out of range\n", 1),
    ("expand tabs.txt", "a       b       c\n        indented\nno tabs here\n        eight spaces\n", "", 0),
    ("expand -t 4 tabs.txt", "a   b   c\n    indented\nno tabs here\n        eight spaces\n", "", 0),
    ("expand -t 2,6 tabs.txt", "a b   c\n  indented\nno tabs here\n        eight spaces\n", "", 0),
    ("expand -i tabs.txt", "a\tb\tc\n        indented\nno tabs here\n        eight spaces\n", "", 0),
    ("unexpand tabs.txt", "a\tb\tc\n\tindented\nno tabs here\n\teight spaces\n", "", 0),
    ("unexpand -a tabs.txt", "a\tb\tc\n\tindented\nno tabs here\n\teight spaces\n", "", 0),
    ("expand tabs.txt | unexpand -a", "a\tb\tc\n\tindented\nno tabs here\n\teight spaces\n", "", 0),
    ("unexpand <<< $'        x\\n    y\\n  \\tz\\na        b'", "\tx\n    y\n\tz\na        b\n", "", 0),
    ("unexpand -t 4 <<< 'a       b'", "a\t\tb\n", "", 0),
    ("paste left.txt right.txt", "apple\tbanana\nbanana\tcherry\ncherry\telder\ndate\tfig\n", "", 0),
    ("paste -d, left.txt right.txt", "apple,banana\nbanana,cherry\ncherry,elder\ndate,fig\n", "", 0),
    ("paste -s left.txt", "apple\tbanana\tcherry\tdate\n", "", 0),
    ("paste -s -d, left.txt right.txt", "apple,banana,cherry,date\nbanana,cherry,elder,fig\n", "", 0),
    ("paste - - < a.txt", "apple\tbanana\ncherry\tapple pie\nBanana split\t\n", "", 0),
    ("paste -d ':,' left.txt right.txt left.txt", "apple:banana,apple\nbanana:cherry,banana\ncherry:elder,cherry\ndate:fig,date\n", "", 0),
    ("paste left.txt noeol.txt", "apple\tone\nbanana\ttwo\ncherry\tthree\ndate\t\n", "", 0),
    ("paste nope.txt", "", "paste: nope.txt: No such file or directory\n", 1),
    ("join people.txt ages.txt", "1 alice 30\n2 bob 25\n5 eve 22\n", "", 0),
    ("join -a1 people.txt ages.txt", "1 alice 30\n2 bob 25\n3 carol\n5 eve 22\n", "", 0),
    ("join -a2 people.txt ages.txt", "1 alice 30\n2 bob 25\n4 40\n5 eve 22\n", "", 0),
    ("join -v1 people.txt ages.txt", "3 carol\n", "", 0),
    ("join -v2 people.txt ages.txt", "4 40\n", "", 0),
    ("join -o 1.2,2.2 people.txt ages.txt", "alice 30\nbob 25\neve 22\n", "", 0),
    ("join -a1 -e NA -o 0,1.2,2.2 people.txt ages.txt", "1 alice 30\n2 bob 25\n3 carol NA\n5 eve 22\n", "", 0),
    ("join -t, -1 1 -2 1 csv.txt csv.txt", "name,age,city,age,city\nalice,30,paris,30,paris\nbob,25,berlin,25,berlin\ncarol,35,,35,\n", "", 0),
    ("join -t: -o 1.1,2.3 fields.txt fields.txt", "x:foo\ny:bar\nz:baz\n", "", 0),
    ("join -j1 people.txt ages.txt", "1 alice 30\n2 bob 25\n5 eve 22\n", "", 0),
    ("join people.txt", "", "join: missing operand after 'people.txt'\nTry 'join --help' for more information.\n", 1),
    ("join a.txt nums.txt", "", "join: nums.txt:3: is not sorted: 100\njoin: a.txt:4: is not sorted: apple pie\njoin: input is not in sorted order\n", 1),
    ("comm left.txt right.txt", "apple\n\t\tbanana\n\t\tcherry\ndate\n\telder\n\tfig\n", "", 0),
    ("comm -12 left.txt right.txt", "banana\ncherry\n", "", 0),
    ("comm -23 left.txt right.txt", "apple\ndate\n", "", 0),
    ("comm -3 left.txt right.txt", "apple\ndate\n\telder\n\tfig\n", "", 0),
    ("comm --output-delimiter=, left.txt right.txt", "apple\n,,banana\n,,cherry\ndate\n,elder\n,fig\n", "", 0),
    ("comm a.txt left.txt", "\t\tapple\n\t\tbanana\n\t\tcherry\napple pie\nBanana split\n\tdate\n", "comm: file 1 is not in sorted order\ncomm: input is not in sorted order\n", 1),
    ("comm left.txt", "", "comm: missing operand after 'left.txt'\nTry 'comm --help' for more information.\n", 1),
    ("column -t table.txt", "name        size  kind\nfoo         10    file\nlongername  2000  dir\n", "", 0),
    ("column -t -s, csv.txt", "name   age  city\nalice  30   paris\nbob    25   berlin\ncarol  35   \n", "", 0),
    ("column -t -s, -o ' | ' csv.txt", "name  | age | city\nalice | 30  | paris\nbob   | 25  | berlin\ncarol | 35  | \n", "", 0),
    ("column -t fields.txt", "x:1:foo\ny:22:bar\nz:3:baz\n", "", 0),
    ("column -t -s: fields.txt", "x  1   foo\ny  22  bar\nz  3   baz\n", "", 0),
    ("seq 1 30 | column", "1\t4\t7\t10\t13\t16\t19\t22\t25\t28\n2\t5\t8\t11\t14\t17\t20\t23\t26\t29\n3\t6\t9\t12\t15\t18\t21\t24\t27\t30\n", "", 0),
    ("seq 1 30 | column -x", "1\t2\t3\t4\t5\t6\t7\t8\t9\t10\n11\t12\t13\t14\t15\t16\t17\t18\t19\t20\n21\t22\t23\t24\t25\t26\t27\t28\t29\t30\n", "", 0),
    ("column a.txt", "apple\t\tbanana\t\tcherry\t\tapple pie\tBanana split\n", "", 0),
    ("column -t <<< $'a b c\\nd'", "a  b  c\nd     \n", "", 0),
    ("seq 5", "1\n2\n3\n4\n5\n", "", 0),
    ("seq 2 5", "2\n3\n4\n5\n", "", 0),
    ("seq 1 2 10", "1\n3\n5\n7\n9\n", "", 0),
    ("seq 10 -3 1", "10\n7\n4\n1\n", "", 0),
    ("seq 1 0.5 3", "1.0\n1.5\n2.0\n2.5\n3.0\n", "", 0),
    ("seq 0.1 0.1 0.5", "0.1\n0.2\n0.3\n0.4\n0.5\n", "", 0),
    ("seq -w 8 11", "08\n09\n10\n11\n", "", 0),
    ("seq -w -3 1", "-3\n-2\n-1\n00\n01\n", "", 0),
    ("seq -s, 5", "1,2,3,4,5\n", "", 0),
    ("seq -s ' ' 3", "1 2 3\n", "", 0),
    ("seq -f '%03g' 3", "001\n002\n003\n", "", 0),
    ("seq -f 'x%.2fy' 1 2", "x1.00y\nx2.00y\n", "", 0),
    ("seq 1e2 1e2 3e2", "100\n200\n300\n", "", 0),
    ("seq 3 1", "", "", 0),
    ("seq 1 0 2", "", "seq: invalid Zero increment value: '0'\nTry 'seq --help' for more information.\n", 1),
    ("seq", "", "seq: missing operand\nTry 'seq --help' for more information.\n", 1),
    ("seq x", "", "seq: invalid floating point argument: 'x'\nTry 'seq --help' for more information.\n", 1),
    ("seq -f %d 3", "", "seq: format '%d' has unknown %d directive\n", 1),
    ("seq -1 1", "-1\n0\n1\n", "", 0),
    ("seq 1.0 3", "1.0\n2.0\n3.0\n", "", 0),
    ("seq 100000 | tail -n 1", "100000\n", "", 0),
    ("seq -w 1 0.5 2", "1.0\n1.5\n2.0\n", "", 0),
    ("tree log", "log\n|-- app.log\n|-- data.json\n|-- empty.log\n`-- old\n    `-- app.1.log\n\n2 directories, 4 files\n", "", 0),
    ("tree src", "src\n|-- lib.rs\n|-- main.rs\n`-- util\n    `-- mod.rs\n\n2 directories, 3 files\n", "", 0),
    ("tree -a log", "log\n|-- .hidden\n|-- app.log\n|-- data.json\n|-- empty.log\n`-- old\n    `-- app.1.log\n\n2 directories, 5 files\n", "", 0),
    ("tree -d .", ".\n|-- emptydir\n|-- log\n|   `-- old\n`-- src\n    `-- util\n\n6 directories\n", "", 0),
    ("tree -L 1 log", "log\n|-- app.log\n|-- data.json\n|-- empty.log\n`-- old\n\n2 directories, 3 files\n", "", 0),
    ("tree -I old log", "log\n|-- app.log\n|-- data.json\n`-- empty.log\n\n1 directory, 3 files\n", "", 0),
    ("tree nope", "nope  [error opening dir]\n\n0 directories, 0 files\n", "", 2),
    ("tree emptydir", "emptydir\n\n0 directories, 0 files\n", "", 0),
    ("tree --noreport src", "src\n|-- lib.rs\n|-- main.rs\n`-- util\n    `-- mod.rs\n", "", 0),
    ("du log | sort", "24\tlog\n8\tlog/old\n", "", 0),
    ("du -s log", "24\tlog\n", "", 0),
    ("du -a log | sort", "0\tlog/empty.log\n24\tlog\n4\tlog/.hidden\n4\tlog/app.log\n4\tlog/data.json\n4\tlog/old/app.1.log\n8\tlog/old\n", "", 0),
    ("du -sh log", "24K\tlog\n", "", 0),
    ("du -b log/app.log", "73\tlog/app.log\n", "", 0),
    ("du -ab src | sort", "25\tsrc/util/mod.rs\n37\tsrc/main.rs\n4121\tsrc/util\n62\tsrc/lib.rs\n8316\tsrc\n", "", 0),
    ("du -c a.txt nums.txt", "4\ta.txt\n4\tnums.txt\n8\ttotal\n", "", 0),
    ("du --max-depth=0 log", "24\tlog\n", "", 0),
    ("du -d 1 . | sort", "140\t.\n20\t./src\n24\t./log\n4\t./emptydir\n", "", 0),
    ("du nope", "", "du: cannot access 'nope': No such file or directory\n", 1),
    ("du a.txt", "4\ta.txt\n", "", 0),
    ("du -sb src", "8316\tsrc\n", "", 0),
    ("stat -c '%n %s %F' a.txt log empty.txt", "a.txt 43 regular file\nlog 4096 directory\nempty.txt 0 regular empty file\n", "", 0),
    ("stat -c '%a %A %h %U %G %b %B %o' a.txt log", "644 -rw-r--r-- 1 root root 8 512 4096\n755 drwxr-xr-x 3 root root 8 512 4096\n", "", 0),
    ("stat --printf '%n|%s\\n' a.txt", "a.txt|43\n", "", 0),
    ("stat nope", "", "stat: cannot statx 'nope': No such file or directory\n", 1),
    ("stat -c %s noeol.txt", "13\n", "", 0),
    ("file a.txt", "a.txt: ASCII text\n", "", 0),
    ("file -b a.txt", "ASCII text\n", "", 0),
    ("file empty.txt log log/data.json", "empty.txt:     empty\nlog:           directory\nlog/data.json: JSON text data\n", "", 0),
    ("file -i a.txt empty.txt log", "a.txt:     text/plain; charset=us-ascii\nempty.txt: inode/x-empty; charset=binary\nlog:       inode/directory; charset=binary\n", "", 0),
    ("file nope", "nope: cannot open `nope' (No such file or directory)\n", "", 0),
    ("rg apple a.txt", "apple\napple pie\n", "", 0),
    ("rg -n apple a.txt", "1:apple\n4:apple pie\n", "", 0),
    ("rg -i BANANA a.txt", "banana\nBanana split\n", "", 0),
    ("rg -c an a.txt", "2\n", "", 0),
    ("rg -l ERROR log | sort", "log/app.log\nlog/old/app.1.log\n", "", 0),
    ("rg ERROR log | sort", "log/app.log:ERROR disk full\nlog/app.log:ERROR net down\nlog/old/app.1.log:ERROR ancient\n", "", 0),
    ("rg -n ERROR log | sort", "log/app.log:2:ERROR disk full\nlog/app.log:5:ERROR net down\nlog/old/app.1.log:1:ERROR ancient\n", "", 0),
    ("rg -w the words.txt", "the quick brown fox\njumps over the lazy dog\nthe end\n", "", 0),
    ("rg -F 'a.p' a.txt", "", "", 1),
    ("rg -v an a.txt", "apple\ncherry\napple pie\n", "", 0),
    ("rg zzz a.txt; echo $?", "1\n", "", 0),
    ("rg -g '*.rs' TODO | sort", "src/lib.rs:// TODO: more\nsrc/util/mod.rs:// TODO: util\n", "", 0),
    ("rg --no-heading TODO src | sort", "src/lib.rs:// TODO: more\nsrc/util/mod.rs:// TODO: util\n", "", 0),
    ("rg nope nope.txt", "", "nope.txt: No such file or directory (os error 2)\n", 2),
    ("grep -rn 'fn ' src --include='*.rs' | sort", "src/lib.rs:1:pub fn add(a: i32, b: i32) -> i32 {\nsrc/main.rs:1:fn main() {\n", "", 0),
    ("grep -c '' a.txt noeol.txt", "a.txt:5\nnoeol.txt:3\n", "", 0),
    ("grep -l ERROR log/*.log", "log/app.log\n", "", 0),
    ("grep -o -i 'A[a-z]*' a.txt", "apple\nanana\napple\nanana\n", "", 0),
    ("grep -w pie a.txt", "apple pie\n", "", 0),
    ("grep -n -v a a.txt", "3:cherry\n", "", 0),
    ("grep -A 2 -B 1 ERROR log/app.log", "INFO start\nERROR disk full\nINFO retry\nWARN slow\nERROR net down\nINFO done\n", "", 0),
    ("grep -e ERROR -e WARN log/app.log | wc -l", "3\n", "", 0),
    ("grep -x -F -f left.txt right.txt", "banana\ncherry\n", "", 0),
    ("grep -f left.txt right.txt", "banana\ncherry\n", "", 0),
    ("grep -E '^[[:digit:]]+$' nums.txt", "10\n9\n100\n0\n", "", 0),
    ("grep -P '\\d+' nums.txt", "10\n9\n100\n-5\n3.5\n0\n2e3\n1K\n2M\n-0\n", "", 0),
    ("grep '\\bthe\\b' words.txt", "the quick brown fox\njumps over the lazy dog\nthe end\n", "", 0),
    ("grep -i 'APPLE\\|cherry' a.txt", "apple\ncherry\napple pie\n", "", 0),
    ("grep '*' a.txt", "", "", 1),
    ("grep -m1 -c an a.txt", "1\n", "", 0),
    ("grep --color=never apple a.txt", "apple\napple pie\n", "", 0),
    ("grep -rh ERROR log | sort", "ERROR ancient\nERROR disk full\nERROR hidden\nERROR net down\n", "", 0),
    ("grep -ril error log | sort", "log/.hidden\nlog/app.log\nlog/old/app.1.log\n", "", 0),
    ("grep -rL ERROR log | sort", "log/data.json\nlog/empty.log\n", "", 0),
    ("grep -b apple a.txt", "0:apple\n20:apple pie\n", "", 0),
    ("grep ERROR log/app.log | head -1", "ERROR disk full\n", "", 0),
    ("grep foo bin.dat", "", "grep: bin.dat: binary file matches\n", 0),
    ("grep -c foo bin.dat", "2\n", "", 0),
    ("grep -a foo bin.dat | tr '\\0' '@'", "foo@bar\nfoo\n", "", 0),
    ("grep -l foo bin.dat a.txt", "bin.dat\n", "", 0),
    ("grep -r baz . | sort", "./fields.txt:z:3:baz\n", "grep: ./bin.dat: binary file matches\n", 0),
    ("grep -E 'x|' noeol.txt", "one\ntwo\nthree\n", "", 0),
    ("grep -E '(a|b)+n' a.txt", "banana\nBanana split\n", "", 0),
    ("grep -c . empty.txt", "0\n", "", 1),
    ("grep -vn ERROR log/app.log", "1:INFO start\n3:INFO retry\n4:WARN slow\n6:INFO done\n", "", 0),
    ("grep -oE '[0-9]+' csv.txt", "30\n25\n35\n", "", 0),
    ("grep -E 'o{2,}' words.txt a.txt", "", "", 1),
    ("grep -i 'hÉllo' utf8.txt; echo $?", "1\n", "", 0),
    ("grep 'w.rld' utf8.txt", "", "", 1),
    ("grep -q . a.txt nope.txt; echo $?", "0\n", "", 0),
    ("grep -rn ERROR log --exclude='*.json' --exclude-dir=old | sort", "log/.hidden:1:ERROR hidden\nlog/app.log:2:ERROR disk full\nlog/app.log:5:ERROR net down\n", "", 0),
    ("grep -Z -l apple a.txt | tr '\\0' '@'", "a.txt@", "", 0),
    ("grep -T apple a.txt", "apple\napple pie\n", "", 0),
    ("sort -t, -k2nr csv.txt", "carol,35,\nalice,30,paris\nbob,25,berlin\nname,age,city\n", "", 0),
    ("sort -k2,2 -k1,1 people.txt", "1 alice\n2 bob\n3 carol\n5 eve\n", "", 0),
    ("sort -rn -k2 ages.txt", "4 40\n1 30\n2 25\n5 22\n", "", 0),
    ("sort -n -t: -k2 fields.txt", "x:1:foo\nz:3:baz\ny:22:bar\n", "", 0),
    ("sort -V -r ver.txt", "file10.txt\nfile2.txt\nfile1.10\nfile1.2\nfile1.txt\n", "", 0),
    ("sort -h -r human.txt", "2G\n10M\n512K\n1.5K\n100\n", "", 0),
    ("sort -R a.txt | sort", "Banana split\napple\napple pie\nbanana\ncherry\n", "", 0),
    ("sort -n -u nums.txt", "-5\n0\n1K\n2e3\n3.5\n9\n10\n100\n", "", 0),
    ("sort -g -u nums.txt", "-5\n0\n1K\n2M\n3.5\n9\n10\n100\n2e3\n", "", 0),
    ("sort -r mixed.txt", "alpha\n_under\nZeta\nBeta\n9\n10\n  gamma\n", "", 0),
    ("sort -k2 -t ' ' words.txt", "the end\njumps over the lazy dog\nthe quick brown fox\n", "", 0),
    ("sort --key=2,2 words.txt", "the end\njumps over the lazy dog\nthe quick brown fox\n", "", 0),
    ("sort -k1.3 a.txt", "cherry\nbanana\nBanana split\napple\napple pie\n", "", 0),
    ("sort -k1,1.3 a.txt", "Banana split\napple\napple pie\nbanana\ncherry\n", "", 0),
    ("sort -t, -k2 -n -r csv.txt | head -2", "carol,35,\nalice,30,paris\n", "", 0),
    ("sort -n nums.txt | uniq | head -3", "-5\n-0\n0\n", "", 0),
    ("sort -s -k1,1 dup.txt", "B\na\na\nb\nb\nc\nc\nc\n", "", 0),
    ("sort -i mixed.txt", "  gamma\n10\n9\nBeta\nZeta\n_under\nalpha\n", "", 0),
    ("sort -bk2 tabs.txt", "\tindented\na\tb\tc\n        eight spaces\nno tabs here\n", "", 0),
    ("uniq -c a.txt", "      1 apple\n      1 banana\n      1 cherry\n      1 apple pie\n      1 Banana split\n", "", 0),
    ("uniq -cd dup.txt", "      2 a\n      3 c\n", "", 0),
    ("uniq -u -i dup.txt", "", "", 0),
    ("sort -f dup.txt | uniq -ci", "      2 a\n      3 B\n      3 c\n", "", 0),
    ("cut -c3- a.txt", "ple\nnana\nerry\nple pie\nnana split\n", "", 0),
    ("cut -d ' ' -f 1,3 words.txt", "the brown\njumps the\nthe\n", "", 0),
    ("cut -d: -f2 --complement fields.txt", "x:foo\ny:bar\nz:baz\n", "", 0),
    ("cut -b1-2,4 --output-delimiter=- a.txt", "ap-l\nba-a\nch-r\nap-l\nBa-a\n", "", 0),
    ("cut -d, -f3 csv.txt | sort -u", "\nberlin\ncity\nparis\n", "", 0),
    ("cut -c 2 utf8.txt | wc -c", "2\n", "", 0),
    ("tr -d '\\n' < a.txt", "applebananacherryapple pieBanana split", "", 0),
    ("tr '\\n' ' ' < a.txt", "apple banana cherry apple pie Banana split ", "", 0),
    ("tr 'a-z' 'n-za-m' < a.txt", "nccyr\nonanan\npureel\nnccyr cvr\nBnanan fcyvg\n", "", 0),
    ("tr -c '[:alnum:]\\n' '_' < csv.txt", "name_age_city\nalice_30_paris\nbob_25_berlin\ncarol_35_\n", "", 0),
    ("echo 'Hello World' | tr '[:upper:][:lower:]' '[:lower:][:upper:]'", "hELLO wORLD\n", "", 0),
    ("tr -dc '[:print:]\\n' < tabs.txt", "abc\nindented\nno tabs here\n        eight spaces\n", "", 0),
    ("echo abc-def | tr -d 'b-'", "acdef\n", "", 0),
    ("tr -s '\\r\\n' '\\n' < crlf.txt", "a\nb\n", "", 0),
    ("tr ',' '\\t' < csv.txt", "name\tage\tcity\nalice\t30\tparis\nbob\t25\tberlin\ncarol\t35\t\n", "", 0),
    ("tr -d '\\r' < crlf.txt", "a\nb\n", "", 0),
    ("echo hello | tr '[:lower:]' 'A-Z'", "HELLO\n", "", 0),
    ("echo 'a1b2' | tr '0-9' '#'", "a#b#\n", "", 0),
    ("echo aaa | tr a '\\101'", "AAA\n", "", 0),
    ("tail -n +1 a.txt", "apple\nbanana\ncherry\napple pie\nBanana split\n", "", 0),
    ("tail -c 0 a.txt", "", "", 0),
    ("tail -n 100 a.txt", "apple\nbanana\ncherry\napple pie\nBanana split\n", "", 0),
    ("tail -n2 a.txt noeol.txt", "==> a.txt <==\napple pie\nBanana split\n\n==> noeol.txt <==\ntwo\nthree", "", 0),
    ("tail -1 noeol.txt", "three", "", 0),
    ("tail -n 1 empty.txt a.txt", "==> empty.txt <==\n\n==> a.txt <==\nBanana split\n", "", 0),
    ("seq 20 | tail -n 3", "18\n19\n20\n", "", 0),
    ("seq 5 | tail -c 4", "4\n5\n", "", 0),
    ("find . -type f -name '*.txt' | wc -l", "21\n", "", 0),
    ("find . -path './log/*' -name '*.log' | sort", "./log/app.log\n./log/empty.log\n./log/old/app.1.log\n", "", 0),
    ("find log -type f -exec grep -H ERROR {} \\; | sort", "log/.hidden:ERROR hidden\nlog/app.log:ERROR disk full\nlog/app.log:ERROR net down\nlog/old/app.1.log:ERROR ancient\n", "", 0),
    ("find . -maxdepth 1 -type d | sort", ".\n./emptydir\n./log\n./src\n", "", 0),
    ("find . -mindepth 1 -maxdepth 1 -name '*.txt' | sort | head -3", "./a.txt\n./ages.txt\n./crlf.txt\n", "", 0),
    ("find log -name '*.LOG'", "", "", 0),
    ("find log -iname '*.LOG' | sort", "log/app.log\nlog/empty.log\nlog/old/app.1.log\n", "", 0),
    ("find src -name '*.rs' -exec wc -l {} + | sort", "  2 src/util/mod.rs\n  3 src/main.rs\n  4 src/lib.rs\n  9 total\n", "", 0),
    ("find . -name '*.json' -o -name '*.sh' | sort", "./log/data.json\n./run.sh\n", "", 0),
    ("find log -type f -size +10c | sort", "log/.hidden\nlog/app.log\nlog/data.json\nlog/old/app.1.log\n", "", 0),
    ("find log -type f ! -empty | sort", "log/.hidden\nlog/app.log\nlog/data.json\nlog/old/app.1.log\n", "", 0),
    ("find log -type f -name '*.log' -printf '%p %s\\n' | sort", "log/app.log 73\nlog/empty.log 0\nlog/old/app.1.log 23\n", "", 0),
    ("find src -type d -printf '%d %p\\n' | sort", "0 src\n1 src/util\n", "", 0),
    ("find . -name emptydir -type d", "./emptydir\n", "", 0),
    ("find log -name app.log -print -quit", "log/app.log\n", "", 0),
    ("find a.txt", "a.txt\n", "", 0),
    ("find a.txt -name '*.txt'", "a.txt\n", "", 0),
    ("find log -type f -mmin -60 -name app.log", "log/app.log\n", "", 0),
    ("find log -type f -mtime +1", "", "", 0),
    ("seq -s: 1 5", "1:2:3:4:5\n", "", 0),
    ("seq 0 0.25 1", "0.00\n0.25\n0.50\n0.75\n1.00\n", "", 0),
    ("seq -w 0 5 100 | head -3", "000\n005\n010\n", "", 0),
    ("seq 5 | tac", "5\n4\n3\n2\n1\n", "", 0),
    ("seq -f 'item-%g' 3", "item-1\nitem-2\nitem-3\n", "", 0),
    ("seq 1 3 | paste -sd+", "1+2+3\n", "", 0),
    ("seq 10 | tail -3", "8\n9\n10\n", "", 0),
    ("seq 6 | paste - - -", "1\t2\t3\n4\t5\t6\n", "", 0),
    ("seq -s ', ' 1 3", "1, 2, 3\n", "", 0),
    ("seq 3 -1 -2", "3\n2\n1\n0\n-1\n-2\n", "", 0),
    ("seq 1 1.5 6", "1.0\n2.5\n4.0\n5.5\n", "", 0),
    ("column -t -s: -o ' ' fields.txt", "x 1  foo\ny 22 bar\nz 3  baz\n", "", 0),
    ("cat csv.txt | column -t -s,", "name   age  city\nalice  30   paris\nbob    25   berlin\ncarol  35   \n", "", 0),
    ("column -t -R 2 table.txt", "name        size  kind\nfoo           10  file\nlongername  2000  dir\n", "", 0),
    ("column -t words.txt", "the    quick  brown  fox   \njumps  over   the    lazy  dog\nthe    end                 \n", "", 0),
    ("nl -w2 -s' ' a.txt", " 1 apple\n 2 banana\n 3 cherry\n 4 apple pie\n 5 Banana split\n", "", 0),
    ("nl -ba -nrz nums.txt | head -3", "000001\t10\n000002\t9\n000003\t100\n", "", 0),
    ("paste -sd, nums.txt", "10,9,100,-5,3.5,0,2e3,1K,2M,-0\n", "", 0),
    ("paste -d'\\n' left.txt right.txt", "apple\nbanana\nbanana\ncherry\ncherry\nelder\ndate\nfig\n", "", 0),
    ("paste -d '' left.txt right.txt", "applebanana\nbananacherry\ncherryelder\ndatefig\n", "", 0),
    ("join -t: fields.txt fields.txt", "x:1:foo:1:foo\ny:22:bar:22:bar\nz:3:baz:3:baz\n", "", 0),
    ("join -i left.txt right.txt", "banana\ncherry\n", "", 0),
    ("join -o auto -a1 people.txt ages.txt", "1 alice 30\n2 bob 25\n3 carol \n5 eve 22\n", "", 0),
    ("join -e X -o 1.1,1.2,2.2 -a2 people.txt ages.txt", "1 alice 30\n2 bob 25\nX X 40\n5 eve 22\n", "", 0),
    ("comm -13 left.txt right.txt", "elder\nfig\n", "", 0),
    ("comm --total left.txt right.txt", "apple\n\t\tbanana\n\t\tcherry\ndate\n\telder\n\tfig\n2\t2\t2\ttotal\n", "", 0),
    ("stat -c '%s' a.txt nums.txt", "43\n31\n", "", 0),
    ("stat -c '%n: %F' emptydir", "emptydir: directory\n", "", 0),
    ("stat -c '%h' log emptydir", "3\n2\n", "", 0),
    ("stat -c '%-10n|%5s|' a.txt", "a.txt     |   43|\n", "", 0),
    ("stat -c '%A %n' run.sh log", "-rw-r--r-- run.sh\ndrwxr-xr-x log\n", "", 0),
    ("du -sh .", "140K\t.\n", "", 0),
    ("du -sc log src", "24\tlog\n20\tsrc\n44\ttotal\n", "", 0),
    ("du -h a.txt", "4.0K\ta.txt\n", "", 0),
    ("du -k a.txt", "4\ta.txt\n", "", 0),
    ("du -m long.txt", "1\tlong.txt\n", "", 0),
    ("du -s emptydir", "4\temptydir\n", "", 0),
    ("du -bs emptydir log", "4096\temptydir\n8323\tlog\n", "", 0),
    ("tree -L 2 .", ".\n|-- a.txt\n|-- ages.txt\n|-- bin.dat\n|-- crlf.txt\n|-- csv.txt\n|-- dup.txt\n|-- empty.txt\n|-- emptydir\n|-- fields.txt\n|-- human.txt\n|-- kv.txt\n|-- left.txt\n|-- log\n|   |-- app.log\n|   |-- data.json\n|   |-- empty.log\n|   `-- old\n|-- long.txt\n|-- mixed.txt\n|-- noeol.txt\n|-- nums.txt\n|-- people.txt\n|-- right.txt\n|-- run.sh\n|-- src\n|   |-- lib.rs\n|   |-- main.rs\n|   `-- util\n|-- table.txt\n|-- tabs.txt\n|-- utf8.txt\n|-- ver.txt\n`-- words.txt\n\n6 directories, 28 files\n", "", 0),
    ("tree -F src", "src/\n|-- lib.rs\n|-- main.rs\n`-- util/\n    `-- mod.rs\n\n2 directories, 3 files\n", "", 0),
    ("tree -f src", "src\n|-- src/lib.rs\n|-- src/main.rs\n`-- src/util\n    `-- src/util/mod.rs\n\n2 directories, 3 files\n", "", 0),
    ("tree --dirsfirst log", "log\n|-- old\n|   `-- app.1.log\n|-- app.log\n|-- data.json\n`-- empty.log\n\n2 directories, 4 files\n", "", 0),
    ("tree log src", "log\n|-- app.log\n|-- data.json\n|-- empty.log\n`-- old\n    `-- app.1.log\nsrc\n|-- lib.rs\n|-- main.rs\n`-- util\n    `-- mod.rs\n\n4 directories, 7 files\n", "", 0),
    ("tree a.txt", "a.txt  [error opening dir]\n\n0 directories, 1 file\n", "", 0),
    ("tree -a -I 'old|*.json' log", "log\n|-- .hidden\n|-- app.log\n`-- empty.log\n\n1 directory, 3 files\n", "", 0),
    ("tree -P '*.log' log", "log\n|-- app.log\n|-- empty.log\n`-- old\n    `-- app.1.log\n\n2 directories, 3 files\n", "", 0),
    ("file nums.txt noeol.txt", "nums.txt:  ASCII text\nnoeol.txt: ASCII text\n", "", 0),
    ("file -b --mime-type log/data.json", "application/json\n", "", 0),
    ("file tabs.txt utf8.txt crlf.txt run.sh bin.dat", "tabs.txt: ASCII text\nutf8.txt: Unicode text, UTF-8 text\ncrlf.txt: ASCII text, with CRLF line terminators\nrun.sh:   Bourne-Again shell script, ASCII text executable\nbin.dat:  data\n", "", 0),
    ("file -i utf8.txt run.sh bin.dat", "utf8.txt: text/plain; charset=utf-8\nrun.sh:   text/x-shellscript; charset=us-ascii\nbin.dat:  application/octet-stream; charset=binary\n", "", 0),
    ("file long.txt log/empty.log", "long.txt:      ASCII text\nlog/empty.log: empty\n", "", 0),
    ("rg -o 'ERROR \\w+' log/app.log", "ERROR disk\nERROR net\n", "", 0),
    ("rg -c ERROR log | sort", "log/app.log:2\nlog/old/app.1.log:1\n", "", 0),
    ("rg --files log | sort", "log/app.log\nlog/data.json\nlog/empty.log\nlog/old/app.1.log\n", "", 0),
    ("rg -i error log/app.log", "ERROR disk full\nERROR net down\n", "", 0),
    ("rg -w ERROR -m1 log/app.log", "ERROR disk full\n", "", 0),
    ("rg -A1 disk log/app.log", "ERROR disk full\nINFO retry\n", "", 0),
    ("rg -e ERROR -e WARN log/app.log", "ERROR disk full\nWARN slow\nERROR net down\n", "", 0),
    ("rg -t rust TODO | sort", "src/lib.rs:// TODO: more\nsrc/util/mod.rs:// TODO: util\n", "", 0),
    ("rg 'a(' a.txt", "", "regex parse error:\n    a(\n     ^\nerror: unclosed group\n", 2),
    ("rg -x apple a.txt", "apple\n", "", 0),
    ("rg -q apple a.txt; echo $?", "0\n", "", 0),
    ("rg --hidden ERROR log | sort", "log/.hidden:ERROR hidden\nlog/app.log:ERROR disk full\nlog/app.log:ERROR net down\nlog/old/app.1.log:ERROR ancient\n", "", 0),
    ("rg -uu ERROR log | sort", "log/.hidden:ERROR hidden\nlog/app.log:ERROR disk full\nlog/app.log:ERROR net down\nlog/old/app.1.log:ERROR ancient\n", "", 0),
    ("cat a.txt | rg apple", "apple\napple pie\n", "", 0),
    ("rg -n apple < a.txt", "1:apple\n4:apple pie\n", "", 0),
    ("rg -N apple a.txt", "apple\napple pie\n", "", 0),
    ("rg -S Apple a.txt; echo $?", "1\n", "", 0),
    ("rg -S apple a.txt", "apple\napple pie\n", "", 0),
    ("rg foo bin.dat; echo $?", "binary file matches (found \"\\0\" byte around offset 3)\n0\n", "", 0),
    ("rg -l foo . | sort", "./fields.txt\n./table.txt\n", "", 0),
    ("rg -c the words.txt a.txt | sort", "words.txt:3\n", "", 0),
    ("rg -H apple a.txt", "a.txt:apple\na.txt:apple pie\n", "", 0),
    ("rg '^\\d+$' nums.txt", "10\n9\n100\n0\n", "", 0),
];
// END RECORDED

async fn workspace() -> Workspace {
    let ram = RamResource::new();
    let mut dirs: Vec<String> = Vec::new();
    for (path, _) in FILES {
        let mut acc = String::new();
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let n = if path.ends_with('/') { parts.len() } else { parts.len() - 1 };
        for part in &parts[..n] {
            if !acc.is_empty() {
                acc.push('/');
            }
            acc.push_str(part);
            if !dirs.contains(&acc) {
                dirs.push(acc.clone());
                ram.mkdir(&acc).await.unwrap();
            }
        }
    }
    for (path, data) in FILES {
        if !path.ends_with('/') {
            ram.write(path, Bytes::copy_from_slice(data.as_bytes())).await.unwrap();
        }
    }
    let ram: Arc<dyn Resource> = Arc::new(ram);
    Workspace::new(
        vec![("/data".into(), ram, MountMode::Write), ("/tmp".into(), Arc::new(RamResource::new()), MountMode::Write)],
        WorkspaceOptions::default(),
    )
    .unwrap()
}

async fn run(ws: &Workspace, cmd: &str) -> (String, String, i32) {
    let o = ws.execute(cmd, ExecOptions { cwd: Some("/data".into()), ..Default::default() }).await.unwrap();
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned(), o.exit_code)
}

#[tokio::test]
async fn matches_gnu() {
    let mut failures = Vec::new();
    for cmd in CMDS {
        let Some((_, out, err, code)) = EXPECTED.iter().find(|e| e.0 == *cmd) else {
            failures.push(format!("not recorded: {cmd}"));
            continue;
        };
        // Each case gets fresh files (some write to /tmp).
        let ws = workspace().await;
        let got = run(&ws, cmd).await;
        if got != (out.to_string(), err.to_string(), *code) {
            failures.push(format!(
                "$ {cmd}\n--- expected (exit {code})\n{out}{err}\n--- got (exit {})\n{}{}\n",
                got.2, got.0, got.1
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ from GNU:\n{}", failures.len(), CMDS.len(), failures.join("\n"));
}

/// Re-record `EXPECTED` from the real GNU tools.
#[test]
#[ignore]
fn record_gnu() {
    use std::process::Command;
    let dir = std::env::temp_dir().join(format!("mirage-commands-text-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (path, data) in FILES {
        let p = dir.join(path.trim_end_matches('/'));
        if path.ends_with('/') {
            std::fs::create_dir_all(&p).unwrap();
        } else {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, data).unwrap();
        }
    }
    let tmp = std::env::temp_dir().join(format!("mirage-commands-text-tmp-{}", std::process::id()));
    let mut rows = String::new();
    for cmd in CMDS {
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).unwrap();
        // The test mounts a scratch RAM folder at /tmp; here /tmp/out.txt goes to a scratch dir.
        let real = cmd.replace("/tmp/", &format!("{}/", tmp.display()));
        let o = Command::new("bash")
            .arg("-c")
            .arg(&real)
            .current_dir(&dir)
            .env("LC_ALL", "C")
            .env("TZ", "UTC")
            .env_remove("COLUMNS")
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout).replace(&tmp.display().to_string(), "/tmp");
        let err = String::from_utf8_lossy(&o.stderr).replace(&tmp.display().to_string(), "/tmp");
        // bash -c names itself `bash: line 1:` as our shell does.
        rows.push_str(&format!("    ({cmd:?}, {out:?}, {err:?}, {}),\n", o.status.code().unwrap_or(-1)));
    }
    let src_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/commands_text.rs");
    let src = std::fs::read_to_string(&src_path).unwrap();
    let begin = src.find("// BEGIN RECORDED\n").unwrap() + "// BEGIN RECORDED\n".len();
    let end = src.find("// END RECORDED").unwrap();
    let new = format!("{}const EXPECTED: &[(&str, &str, &str, i32)] = &[\n{rows}];\n{}", &src[..begin], &src[end..]);
    std::fs::write(&src_path, new).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&tmp);
}

/// A RAM resource that records every read, to check which bytes a command asks for.
struct Recording {
    inner: RamResource,
    reads: std::sync::Mutex<Vec<(String, Option<mirage_core::vfs::ByteRange>)>>,
}

#[async_trait::async_trait]
impl Resource for Recording {
    fn kind(&self) -> &'static str {
        "ram"
    }
    async fn read_dir(&self, path: &str) -> Result<Vec<mirage_core::vfs::DirEntry>, mirage_core::vfs::FsError> {
        self.inner.read_dir(path).await
    }
    async fn stat(&self, path: &str) -> Result<mirage_core::vfs::Metadata, mirage_core::vfs::FsError> {
        self.inner.stat(path).await
    }
    async fn read(
        &self,
        path: &str,
        range: Option<mirage_core::vfs::ByteRange>,
    ) -> Result<mirage_core::vfs::ReadHandle, mirage_core::vfs::FsError> {
        self.reads.lock().unwrap().push((path.to_string(), range));
        self.inner.read(path, range).await
    }
    async fn write(&self, path: &str, data: Bytes) -> Result<(), mirage_core::vfs::FsError> {
        self.inner.write(path, data).await
    }
    async fn remove_file(&self, path: &str) -> Result<(), mirage_core::vfs::FsError> {
        self.inner.remove_file(path).await
    }
    async fn mkdir(&self, path: &str) -> Result<(), mirage_core::vfs::FsError> {
        self.inner.mkdir(path).await
    }
    async fn rmdir(&self, path: &str) -> Result<(), mirage_core::vfs::FsError> {
        self.inner.rmdir(path).await
    }
}

#[tokio::test]
async fn reads_only_what_is_needed() {
    use mirage_core::vfs::ByteRange;
    let inner = RamResource::new();
    // 8 MiB of numbered lines.
    let mut big = String::new();
    let mut i = 0;
    while big.len() < 8 << 20 {
        i += 1;
        big.push_str(&format!("line {i} of the big file, with some padding to make it longer\n"));
    }
    let lines = i;
    inner.write("big.log", Bytes::from(big.clone())).await.unwrap();
    inner.mkdir("d").await.unwrap();
    for k in 0..40 {
        inner.write(&format!("d/f{k:02}.log"), Bytes::from(format!("x\nERROR {k}\n"))).await.unwrap();
    }
    let rec = Arc::new(Recording { inner, reads: Default::default() });
    let ws = Workspace::new(vec![("/b".into(), rec.clone() as Arc<dyn Resource>, MountMode::Read)], WorkspaceOptions::default()).unwrap();
    let take = || std::mem::take(&mut *rec.reads.lock().unwrap());
    let exec = |cmd: &'static str| {
        let ws = &ws;
        async move { ws.execute(cmd, ExecOptions::default()).await.unwrap() }
    };

    let o = exec("tail -n 5 /b/big.log").await;
    let want: String = big.lines().skip(lines - 5).map(|l| format!("{l}\n")).collect();
    assert_eq!(String::from_utf8(o.stdout).unwrap(), want);
    let reads = take();
    assert_eq!(reads, vec![("big.log".to_string(), Some(ByteRange::Suffix(64 * 1024)))], "tail -n 5 reads one 64 KiB suffix");

    let o = exec("tail -c 10 /b/big.log").await;
    assert_eq!(o.stdout, big.as_bytes()[big.len() - 10..].to_vec());
    assert_eq!(take(), vec![("big.log".to_string(), Some(ByteRange::Suffix(10)))]);

    // Growing reads when the lines are longer than the first block.
    let o = exec("tail -n 2000 /b/big.log | head -n 1").await;
    assert_eq!(String::from_utf8(o.stdout).unwrap(), format!("{}\n", big.lines().nth(lines - 2000).unwrap()));
    let ranges: Vec<_> = take().into_iter().map(|r| r.1).collect();
    assert_eq!(ranges, vec![Some(ByteRange::Suffix(64 << 10)), Some(ByteRange::Suffix(128 << 10))]);

    for cmd in ["stat -c %s /b/big.log", "du -sh /b", "find /b -name '*.log' -size +1k", "tree /b", "wc -c /b/big.log"] {
        let o = exec(cmd).await;
        assert_eq!(o.exit_code, 0, "{cmd}");
        assert_eq!(take(), vec![], "{cmd} reads no object");
    }

    let o = exec("file /b/big.log").await;
    assert_eq!(String::from_utf8(o.stdout).unwrap(), "/b/big.log: ASCII text\n");
    assert_eq!(take(), vec![("big.log".to_string(), Some(ByteRange::Span { start: 0, end_inclusive: 8191 }))]);

    // grep -r reads each file once, in order, and prints in order.
    let o = exec("grep -r ERROR /b/d | head -n 3").await;
    assert_eq!(String::from_utf8(o.stdout).unwrap(), "/b/d/f00.log:ERROR 0\n/b/d/f01.log:ERROR 1\n/b/d/f02.log:ERROR 2\n");
    let o = exec("grep -rc ERROR /b/d | wc -l").await;
    assert_eq!(String::from_utf8(o.stdout).unwrap(), "40\n");
    let reads = take();
    let whole: Vec<_> = reads.iter().filter(|r| r.0.starts_with("d/")).collect();
    assert!(whole.len() >= 40 && whole.iter().all(|r| r.1.is_none()));
}

#[tokio::test]
async fn find_delete_and_exec() {
    let ws = workspace().await;
    // A read-only mount refuses -delete before any request.
    let ram: Arc<dyn Resource> = Arc::new(RamResource::new());
    ram.write("x.tmp", Bytes::from_static(b"x")).await.unwrap();
    ws.vfs().add_mount(mirage_core::vfs::Mount { prefix: "/ro".into(), resource: ram, mode: MountMode::Read });
    let (out, err, code) = run(&ws, "find /ro -name '*.tmp' -delete").await;
    assert_eq!((out.as_str(), err.as_str(), code), ("", "find: cannot delete '/ro/x.tmp': Read-only file system\n", 1));
    assert_eq!(run(&ws, "find /ro").await.0, "/ro\n/ro/x.tmp\n");

    // On a writable mount it deletes files, then directories left empty (depth first).
    let (out, err, code) = run(&ws, "find log -name '*.log' -delete; find log | sort").await;
    assert_eq!((out.as_str(), err.as_str(), code), ("log\nlog/.hidden\nlog/data.json\nlog/old\n", "", 0));
    let (out, _, code) = run(&ws, "find log/old -delete; ls log").await;
    assert_eq!((out.as_str(), code), ("data.json\n", 0));

    // -exec runs registered commands; {} inside a word is replaced too; exit statuses.
    assert_eq!(run(&ws, "find src -name '*.rs' -exec echo 'f={}' \\; | sort").await.0, "f=src/lib.rs\nf=src/main.rs\nf=src/util/mod.rs\n");
    assert_eq!(run(&ws, "find src -name main.rs -exec grep -c fn {} \\;").await.0, "1\n");
    assert_eq!(run(&ws, "find src -name main.rs -exec false {} + ; echo $?").await.0, "1\n");
    assert_eq!(run(&ws, "find src -name main.rs -exec nosuch {} \\; ; echo $?").await, ("0\n".into(), "find: 'nosuch': No such file or directory\n".into(), 0));
    assert_eq!(run(&ws, "cd src && find . -name '*.rs' -execdir echo {} \\; | sort").await.0, "./lib.rs\n./main.rs\n./mod.rs\n");
}
