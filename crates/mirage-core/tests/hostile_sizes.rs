//! Sizes, widths, counts and precisions from input must never become one allocation or an
//! endless loop: the host process would abort (allocation failure cannot be caught) or
//! freeze. Each case runs a hostile command line through a real `Workspace` and checks GNU's
//! message and status (recorded from Debian 12's coreutils, bash 5.2 and vim's xxd with
//! LC_ALL=C), and that it ends quickly.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use mirage_core::vfs::ram::RamResource;
use mirage_core::vfs::{MountMode, Resource};
use mirage_core::workspace::{ExecOptions, Workspace, WorkspaceOptions, EXIT_TIMEOUT};

/// `/data` (read-write) holds `f` ("hi\n"), `t` ("a\tb\n") and `big` (about 50 MB of lines).
async fn workspace_with(options: WorkspaceOptions) -> Workspace {
    let ram = RamResource::new();
    ram.write("f", Bytes::from_static(b"hi\n")).await.unwrap();
    ram.write("t", Bytes::from_static(b"a\tb\n")).await.unwrap();
    ram.write("big", Bytes::from(big_file())).await.unwrap();
    let ram: Arc<dyn Resource> = Arc::new(ram);
    Workspace::new(vec![("/data/".into(), ram, MountMode::Write)], options).unwrap()
}

async fn workspace() -> Workspace {
    workspace_with(WorkspaceOptions::default()).await
}

/// About 50 MB: 4.5 million lines of pseudo-random words.
fn big_file() -> Vec<u8> {
    let mut out = Vec::with_capacity(52 << 20);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while out.len() < 50 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(format!("w{:x} {} z\n", x & 0xffff_ffff, x % 1000).as_bytes());
    }
    out
}

struct Run {
    out: String,
    err: String,
    code: i32,
    took: Duration,
}

async fn run_with(ws: &Workspace, line: &str, timeout: Duration) -> Run {
    let t = Instant::now();
    let o = ws
        .execute(line, ExecOptions { cwd: Some("/data".into()), timeout: Some(timeout), ..Default::default() })
        .await
        .unwrap();
    Run {
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
        code: o.exit_code,
        took: t.elapsed(),
    }
}

async fn run(ws: &Workspace, line: &str) -> Run {
    run_with(ws, line, Duration::from_secs(5)).await
}

/// `line` prints `out` and `err` and exits with `code`, within `within`.
async fn expect(ws: &Workspace, line: &str, out: &str, err: &str, code: i32, within: Duration) {
    let r = run(ws, line).await;
    assert_eq!((r.out.as_str(), r.err.as_str(), r.code), (out, err, code), "{line}");
    assert!(r.took < within, "{line} took {:?}", r.took);
}

const QUICK: Duration = Duration::from_secs(2);

/// `line` needs more memory than the session may hold, up front (GNU says `cmd: memory
/// exhausted`): the allocation is refused before it is made, and the execute ends with the
/// budget's message (or, outside an execute's budget, GNU's).
async fn expect_no_memory(ws: &Workspace, line: &str, cmd: &str) {
    let r = run(ws, line).await;
    let budget = "mirage: memory limit of 512 MiB reached (maxMemoryBytes): Cannot allocate memory\n";
    assert!(r.err == budget || r.err == format!("{cmd}: memory exhausted\n"), "{line}: {}", r.err);
    assert_eq!((r.out.as_str(), r.code), ("", 1), "{line}");
    assert!(r.took < QUICK, "{line} took {:?}", r.took);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nl_widths_and_numbers() {
    let ws = workspace().await;
    let e = |v: &str, what: &str, why: &str| format!("nl: invalid {what}: '{v}'{why}\n");
    const BIG: &str = ": Value too large for defined data type";
    expect(&ws, "nl -w 1000000000000 f", "", &e("1000000000000", "line number field width", BIG), 1, QUICK).await;
    expect(&ws, "nl -w 99999999999999999999999 f", "", &e("99999999999999999999999", "line number field width", BIG), 1, QUICK).await;
    expect(&ws, "nl -w 2147483648 f", "", &e("2147483648", "line number field width", BIG), 1, QUICK).await;
    expect(&ws, "nl -w 0 f", "", &e("0", "line number field width", ": Numerical result out of range"), 1, QUICK).await;
    expect(&ws, "nl -w x f", "", &e("x", "line number field width", ""), 1, QUICK).await;
    expect(&ws, "nl -v 99999999999999999999 f", "", &e("99999999999999999999", "starting line number", BIG), 1, QUICK).await;
    expect(&ws, "nl -i 99999999999999999999 f", "", &e("99999999999999999999", "line number increment", BIG), 1, QUICK).await;
    expect(&ws, "nl -l 99999999999999999999 f", "", &e("99999999999999999999", "line number of blank lines", BIG), 1, QUICK).await;
    // The number overflows after the first line: GNU fails when it would print the next.
    expect(&ws, "nl -v 9223372036854775807 f f", "9223372036854775807\thi\n", "nl: line number overflow\n", 1, QUICK).await;
    expect(&ws, "nl -v -9223372036854775808 -i -1 f f", "-9223372036854775808\thi\n", "nl: line number overflow\n", 1, QUICK).await;
    expect(&ws, "nl -n rz -v -5 -w 4 f", "-005\thi\n", "", 0, QUICK).await;
    // A width GNU accepts is printed in full, streamed.
    expect(&ws, "nl -w 2147483647 f | head -c 12", "            ", "", 0, QUICK).await;
    expect(&ws, "nl -w 30000000 f | wc -c", "30000004\n", "", 0, Duration::from_secs(4)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expand_and_unexpand_tab_stops() {
    let ws = workspace().await;
    expect(&ws, "expand -t 99999999999999999999999 f", "", "expand: tab stop is too large '99999999999999999999999'\n", 1, QUICK).await;
    expect(&ws, "unexpand -t 99999999999999999999999 f", "", "unexpand: tab stop is too large '99999999999999999999999'\n", 1, QUICK).await;
    // GNU's unexpand allocates the widest tab stop up front.
    expect_no_memory(&ws, "unexpand -t 1000000000000 f", "unexpand").await;
    // A huge tab stop is accepted, and its spaces stream.
    expect(&ws, "expand -t 1000000000000 f", "hi\n", "", 0, QUICK).await;
    expect(&ws, "expand -t 1000000000000 t | head -c 5", "a    ", "", 0, QUICK).await;
    expect(&ws, "expand -t 18446744073709551615 t | head -c 3", "a  ", "", 0, QUICK).await;
    expect(&ws, "expand -t 10000000 t | wc -c", "10000002\n", "", 0, Duration::from_secs(4)).await;
    expect(&ws, "printf 'a\\tb\\tc\\n' | expand -t 2,18446744073709551615 | head -c 4", "a b ", "", 0, QUICK).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stat_widths() {
    let ws = workspace().await;
    // Past INT_MAX the directive prints nothing (printf fails with EOVERFLOW); GNU stat
    // ignores that.
    expect(&ws, "stat -c '%99999999999999n' f", "\n", "", 0, QUICK).await;
    expect(&ws, "stat -c '%.99999999999999n|%s' f", "|3\n", "", 0, QUICK).await;
    expect(&ws, "stat --printf '%2147483648s' f", "", "", 0, QUICK).await;
    // Up to INT_MAX it is printed, streamed.
    expect(&ws, "stat -c '%20000000n' f | wc -c", "20000001\n", "", 0, Duration::from_secs(4)).await;
    expect(&ws, "stat -c '%2147483647n' f | head -c 3", "   ", "", 0, QUICK).await;
    expect(&ws, "stat -c '%-5n|%.10s' f", "f    |0000000003\n", "", 0, QUICK).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xxd_columns_and_offsets() {
    let ws = workspace().await;
    const COLS: &str = "xxd: invalid number of columns (max. 256).\n";
    expect(&ws, "xxd -c 10000000000 f", "", COLS, 1, QUICK).await;
    expect(&ws, "xxd -c 257 f", "", COLS, 1, QUICK).await;
    expect(&ws, "xxd -c -1 f", "", COLS, 1, QUICK).await;
    expect(&ws, "xxd -b -c 300 f", "", COLS, 1, QUICK).await;
    // (int)strtol: 2^32 + 16 is 16 columns.
    expect(&ws, "xxd -c 4294967312 f", "00000000: 6869 0a                                  hi.\n", "", 0, QUICK).await;
    expect(&ws, "xxd -ps -c 10000000000 f", "68690a\n", "", 0, QUICK).await;
    expect(&ws, "xxd -g 10000000000 f", "00000000: 68690a                            hi.\n", "", 0, QUICK).await;
    expect(&ws, "xxd -s 10000000000000000000000 f", "", "xxd: Sorry, cannot seek.\n", 4, QUICK).await;
    expect(&ws, "xxd -l -5 f", "00000000: 6869 0a                                  hi.\n", "", 0, QUICK).await;
    // -r fills a gap with zeros (streamed) and cannot go back.
    expect(&ws, "echo '10000000: 41' | xxd -r | wc -c", "268435457\n", "", 0, Duration::from_secs(15)).await;
    expect(&ws, "printf '00000000: 4142\\n00000001: 43\\n' | xxd -r", "AB", "xxd: Sorry, cannot seek backwards.\n", 5, QUICK).await;
    let r = run_with(&ws, "echo 'ffffffffffff: 41' | xxd -r | wc -c", Duration::from_millis(500)).await;
    assert_eq!(r.code, EXIT_TIMEOUT, "{}", r.err);
    assert!(r.took < Duration::from_millis(1500), "{:?}", r.took);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seq_formats_widths_and_endless_ranges() {
    let ws = workspace().await;
    expect(&ws, "seq -f '%3000000000f' 1 1", "", "seq: write error: Value too large for defined data type\n", 1, QUICK).await;
    expect(&ws, "seq -f 'x%3000000000fy' 1 2", "x", "seq: write error: Value too large for defined data type\n", 1, QUICK).await;
    expect(&ws, "seq -f '%1000000000f' 1 1 | head -c 4", "    ", "", 0, QUICK).await;
    expect(&ws, "seq -f '%.1000000000f' 1 1 | head -c 4", "1.00", "", 0, QUICK).await;
    expect(&ws, "seq -f '%.0000001000f' 1 1 | wc -c", "1003\n", "", 0, QUICK).await;
    // GNU's widths and precisions from the operands, exponents included.
    expect(&ws, "seq -w 1 1e18 | head -2", "0000000000000000001\n0000000000000000002\n", "", 0, QUICK).await;
    expect(&ws, "seq 1 1e-3 1.002", "1.000\n1.001\n1.002\n", "", 0, QUICK).await;
    expect(&ws, "seq 1e6 1e6", "1000000\n", "", 0, QUICK).await;
    expect(&ws, "seq 1.5e3 1501", "1500\n1501\n", "", 0, QUICK).await;
    expect(&ws, "seq -w -1 1", "-1\n00\n01\n", "", 0, QUICK).await;
    expect(&ws, "seq 0x10 0x12", "16\n17\n18\n", "", 0, QUICK).await;
    expect(&ws, "seq 1e-100000000 1 | head -c 12", "0.0000000000", "", 0, QUICK).await;
    expect(&ws, "seq -w 1 inf | head -2", "1\n2\n", "", 0, QUICK).await;
    expect(&ws, "seq -s, 1 1e18 | head -c 14", "1,2,3,4,5,6,7,", "", 0, QUICK).await;
    // Endless ones stop at the deadline (or at the output cap when nothing reads them).
    let r = run_with(&ws, "seq 1 1e18 | tail -n 1", Duration::from_millis(500)).await;
    assert_eq!((r.code, r.err.as_str()), (EXIT_TIMEOUT, "mirage: command timed out after 0.5s\n"));
    assert!(r.took < Duration::from_millis(1500), "{:?}", r.took);
    let r = run_with(&ws, "seq 1 inf | wc -l", Duration::from_millis(500)).await;
    assert_eq!(r.code, EXIT_TIMEOUT);
    assert!(r.took < Duration::from_millis(1500), "{:?}", r.took);
    let r = run(&ws, "seq 1 1e18").await;
    assert!(r.err.contains("output truncated"), "{}", r.err);
    assert!(r.took < Duration::from_secs(5), "{:?}", r.took);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn printf_widths_and_precisions() {
    let ws = workspace().await;
    // bash prints what C's printf prints, so up to INT_MAX it is all there (streamed).
    expect(&ws, "printf '%.*d' 100000000 1 | wc -c", "100000000\n", "", 0, Duration::from_secs(10)).await;
    expect(&ws, "printf '%.2000000000f' 1 | head -c 5", "1.000", "", 0, QUICK).await;
    expect(&ws, "printf '%2000000000d' 1 | head -c 3", "   ", "", 0, QUICK).await;
    expect(&ws, "printf '%-2000000000d|' 1 | head -c 3", "1  ", "", 0, QUICK).await;
    expect(&ws, "printf '%.3000d' 1 | wc -c", "3000\n", "", 0, QUICK).await;
    expect(&ws, "printf '%#.1100e' 1 | wc -c", "1106\n", "", 0, QUICK).await;
    // Past INT_MAX C's printf fails: the conversion prints nothing (its argument is used).
    expect(&ws, "printf '%3000000000d|%d\\n' 1 2", "|2\n", "", 0, QUICK).await;
    expect(&ws, "printf '%.3000000000d|%d\\n' 1 2", "|2\n", "", 0, QUICK).await;
    expect(&ws, "printf '%99999999999999999999999s|\\n' a", "|\n", "", 0, QUICK).await;
    // bash formats %b and %q itself, clamping at INT_MAX.
    expect(&ws, "printf '%3000000000b|' a | head -c 2", "  ", "", 0, QUICK).await;
    expect(&ws, "printf '%.3000000000q|' abc", "abc|", "", 0, QUICK).await;
    // A `*` out of int's range is clamped, with bash's warning naming the next argument.
    expect(&ws, "printf '%*d|%s' 99999999999 7 8 | head -c 3", "   ", "bash: line 1: printf: warning: 7: Numerical result out of range\n", 0, QUICK).await;
    // With no argument after it, bash truncates the value to an int instead (no warning).
    expect(&ws, "printf '%*d|' 4294967299 | head -c 4", "  0|", "", 0, QUICK).await;
    expect(&ws, "printf '%.*d|' -5 7", "7|", "", 0, QUICK).await;
    expect(&ws, "printf '%d\\n' 99999999999999999999", "9223372036854775807\n", "bash: line 1: printf: warning: 99999999999999999999: Numerical result out of range\n", 0, QUICK).await;
    // Nothing reads it: the output cap stops it.
    let r = run(&ws, "printf '%2000000000d' 1").await;
    assert!(r.err.contains("output truncated"), "{}", r.err);
    assert!(r.took < Duration::from_secs(5), "{:?}", r.took);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn size_options_of_text_commands() {
    let ws = workspace().await;
    const BIG: &str = ": Value too large for defined data type";
    // fold
    expect(&ws, "fold -w 1000000000000 f", "hi\n", "", 0, QUICK).await;
    expect(&ws, "fold -w 99999999999999999999999 f", "", &format!("fold: invalid number of columns: '99999999999999999999999'{BIG}\n"), 1, QUICK).await;
    expect(&ws, "fold -w 18446744073709551615 f", "", &format!("fold: invalid number of columns: '18446744073709551615'{BIG}\n"), 1, QUICK).await;
    expect(&ws, "fold -w -1 f", "", "fold: invalid number of columns: '-1'\n", 1, QUICK).await;
    // cut
    const TRY: &str = "Try 'cut --help' for more information.\n";
    expect(&ws, "cut -b 1-1000000000000 f", "hi\n", "", 0, QUICK).await;
    expect(&ws, "cut -b 18446744073709551614- f", "\n", "", 0, QUICK).await;
    expect(&ws, "cut -b 99999999999999999999 f", "", &format!("cut: byte/character offset '99999999999999999999' is too large\n{TRY}"), 1, QUICK).await;
    expect(&ws, "cut -b 1-00099999999999999999999 f", "", &format!("cut: byte/character offset '00099999999999999999999' is too large\n{TRY}"), 1, QUICK).await;
    expect(&ws, "cut -f 18446744073709551615 f", "", &format!("cut: field number '18446744073709551615' is too large\n{TRY}"), 1, QUICK).await;
    expect(&ws, "cut -b 3,4x,5 f", "", &format!("cut: invalid byte/character position 'x,5'\n{TRY}"), 1, QUICK).await;
    // head and tail
    expect(&ws, "head -c 1e18 f", "", "head: invalid number of bytes: '1e18'\n", 1, QUICK).await;
    expect(&ws, "head -c 1000000000000000000 f", "hi\n", "", 0, QUICK).await;
    expect(&ws, "head -c 15E f", "hi\n", "", 0, QUICK).await;
    expect(&ws, "head -c 16E f", "", &format!("head: invalid number of bytes: '16E'{BIG}\n"), 1, QUICK).await;
    expect(&ws, "head -c 99999999999999999999 f", "", &format!("head: invalid number of bytes: '99999999999999999999'{BIG}\n"), 1, QUICK).await;
    expect(&ws, "head -c -99999999999999999999 f", "", &format!("head: invalid number of bytes: '99999999999999999999'{BIG}\n"), 1, QUICK).await;
    expect(&ws, "head -n 99999999999999999999 f", "", &format!("head: invalid number of lines: '99999999999999999999'{BIG}\n"), 1, QUICK).await;
    expect(&ws, "head -c -1000000000000000000 f", "", "", 0, QUICK).await;
    expect(&ws, "cat f | head -n -1000000000000", "", "", 0, QUICK).await;
    expect(&ws, "tail -n +99999999999999999999 f", "", &format!("tail: invalid number of lines: '+99999999999999999999'{BIG}\n"), 1, QUICK).await;
    expect(&ws, "tail -c 1000000000000000000 f", "hi\n", "", 0, QUICK).await;
    let all = run(&ws, "cat big | wc -l").await;
    expect(&ws, "cat big | tail -n 1000000000000 | wc -l", &all.out, "", 0, Duration::from_secs(5)).await;
    // split
    expect(&ws, "split -b 99999999999999999999 f", "", &format!("split: invalid number of bytes: '99999999999999999999'{BIG}\n"), 1, QUICK).await;
    expect(&ws, "split -b 0 f", "", "split: invalid number of bytes: '0': Numerical result out of range\n", 1, QUICK).await;
    expect(&ws, "split -l 99999999999999999999 f", "", &format!("split: invalid number of lines: '99999999999999999999'{BIG}\n"), 1, QUICK).await;
    expect(&ws, "split -n 99999999999999999999 f", "", &format!("split: invalid number of chunks: '99999999999999999999'{BIG}\n"), 1, QUICK).await;
    expect(&ws, "split -a 99999999999999999999 f", "", &format!("split: invalid suffix length: '99999999999999999999'{BIG}\n"), 1, QUICK).await;
    expect_no_memory(&ws, "split -a 1000000000000 f", "split").await;
    expect(&ws, "split -b 1000000000000 f s1_ && cat s1_aa", "hi\n", "", 0, QUICK).await;
    // Without -a the suffixes widen as GNU's do (yz, zaaa, ...) rather than run out.
    expect(&ws, "seq 1 700 | split -l 1 - w_ && cat w_yz w_zaaa w_zabx", "650\n651\n700\n", "", 0, Duration::from_secs(4)).await;
    expect(&ws, "seq 1 700 | split -l 1 -a 2 - v_", "", "split: output file suffixes exhausted\n", 1, Duration::from_secs(4)).await;
    let r = run_with(&ws, "split -n 1000000000000 f s2_", Duration::from_millis(500)).await;
    assert_eq!(r.code, EXIT_TIMEOUT, "{}", r.err);
    assert!(r.took < Duration::from_millis(1500), "{:?}", r.took);
    // column
    const RANGE: &str = ": Numerical result out of range";
    expect(&ws, "column -c 1000000000000 f", "", &format!("column: invalid columns argument: '1000000000000'{RANGE}\n"), 1, QUICK).await;
    expect(&ws, "column -c 99999999999999999999 f", "", &format!("column: invalid columns argument: '99999999999999999999'{RANGE}\n"), 1, QUICK).await;
    expect(&ws, "column -c -5 f", "", &format!("column: invalid columns argument: '-5'{RANGE}\n"), 1, QUICK).await;
    expect(&ws, "printf 'a\\nb\\n' | column -c 2147483648", "a\tb\n", "", 0, QUICK).await;
    expect(&ws, "column -t -l 1000000000000 f", "", &format!("column: invalid columns limit argument: '1000000000000'{RANGE}\n"), 1, QUICK).await;
    // base64, strings, uniq, sort, join: too large is "as large as can be"
    expect(&ws, "base64 -w 99999999999999999999 f", "aGkK", "", 0, QUICK).await;
    expect(&ws, "base64 -w -1 f", "", "base64: invalid wrap size: '-1'\n", 1, QUICK).await;
    expect(&ws, "strings -n 99999999999999999999 f", "", "", 0, QUICK).await;
    expect(&ws, "uniq -f 99999999999999999999 f", "hi\n", "", 0, QUICK).await;
    expect(&ws, "uniq -s 99999999999999999999 -w 99999999999999999999 f", "hi\n", "", 0, QUICK).await;
    expect(&ws, "sort -k 99999999999999999999 f", "hi\n", "", 0, QUICK).await;
    expect(&ws, "sort -k 1.99999999999999999999 f", "hi\n", "", 0, QUICK).await;
    expect(&ws, "join -j 99999999999999999999 f f", " hi hi\n", "", 0, QUICK).await;
    expect(&ws, "join -o 1.99999999999999999999 f f", "\n", "", 0, QUICK).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shuf_counts_and_ranges() {
    let ws = workspace().await;
    const BIG: &str = ": Value too large for defined data type";
    expect(&ws, "shuf -n 1000000000000 f", "hi\n", "", 0, QUICK).await;
    expect(&ws, "shuf -n 99999999999999999999 f", "hi\n", "", 0, QUICK).await;
    expect(&ws, "shuf -n -1 f", "", "shuf: invalid line count: '-1'\n", 1, QUICK).await;
    expect(&ws, "shuf -i 1-1000000000000 -n 3 | wc -l", "3\n", "", 0, QUICK).await;
    expect_no_memory(&ws, "shuf -i 1-1000000000000", "shuf").await;
    expect(&ws, "shuf -i 1-99999999999999999999", "", &format!("shuf: invalid input range: '99999999999999999999'{BIG}\n"), 1, QUICK).await;
    expect(&ws, "shuf -i 0-18446744073709551615", "", "shuf: invalid input range: '0-18446744073709551615'\n", 1, QUICK).await;
    expect(&ws, "shuf -i 5-3", "", "shuf: invalid input range: '5-3'\n", 1, QUICK).await;
    expect(&ws, "shuf -i 5-4", "", "", 0, QUICK).await;
    expect(&ws, "shuf -i 7-9 | sort", "7\n8\n9\n", "", 0, QUICK).await;
    expect(&ws, "shuf -i 1-5 -e a", "", "shuf: cannot combine -e and -i options\nTry 'shuf --help' for more information.\n", 1, QUICK).await;
    expect(&ws, "shuf -r -n 1000000000000 f | head -2", "hi\nhi\n", "", 0, QUICK).await;
    expect(&ws, "shuf -r -i 1-1000000000000 | head -2 | wc -l", "2\n", "", 0, QUICK).await;
    // -r with nothing to stop it ends at the deadline (or the output cap).
    let r = run_with(&ws, "shuf -r f", Duration::from_millis(500)).await;
    assert!(r.code == EXIT_TIMEOUT || r.err.contains("output truncated"), "{}", r.err);
    assert!(r.took < Duration::from_millis(1500), "{:?}", r.took);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn date_out_of_range() {
    let ws = workspace().await;
    for d in ["1000000000000 days ago", "99999999999999999999 days", "1000000000000 years", "9223372036854775807 seconds", "9223372036854775807 weeks", "1000000000000 months", "@99999999999999999999", "@1e30", "@nan", "inf days"] {
        expect(&ws, &format!("date -d '{d}'"), "", &format!("date: invalid date '{d}'\n"), 1, QUICK).await;
    }
    expect(&ws, "date -d '@9223372036854775807'", "", "date: time '9223372036854775807' is out of range\n", 1, QUICK).await;
    expect(&ws, "date -u -d '@-1.5' '+%s.%N'", "-2.500000000\n", "", 0, QUICK).await;
    expect(&ws, "date -u -d '2024-01-01 +1000000000000 sec' +%Y", "33712\n", "", 0, QUICK).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tr_repeat_counts() {
    let ws = workspace().await;
    expect(&ws, "echo abc | tr abc '[a*1000000000000]'", "aaa\n", "", 0, QUICK).await;
    expect(&ws, "echo abc | tr abc '[a*18446744073709551614]'", "aaa\n", "", 0, QUICK).await;
    expect(&ws, "echo abc | tr abc 'x[a*1000000000000]'", "xaa\n", "", 0, QUICK).await;
    expect(&ws, "echo abc | tr abc '[a*1000000000000]x'", "aaa\n", "", 0, QUICK).await;
    expect(&ws, "echo abcdef | tr a-f '[x*2]y'", "xxyyyy\n", "", 0, QUICK).await;
    expect(&ws, "echo abc | tr '[a*2]' xy", "ybc\n", "", 0, QUICK).await;
    expect(&ws, "echo aabbcc | tr -s '[a*1000000000000]'", "abbcc\n", "", 0, QUICK).await;
    for n in ["99999999999999999999", "18446744073709551615", "077777777777777777777777", "09"] {
        expect(&ws, &format!("echo abc | tr abc '[a*{n}]'"), "", &format!("tr: invalid repeat count '{n}' in [c*n] construct\n"), 1, QUICK).await;
    }
    expect(&ws, "echo abc | tr abc '[a*][b*]'", "", "tr: only one [c*] repeat construct may appear in string2\n", 1, QUICK).await;
    expect(&ws, "echo abc | tr '[a*]' xy", "", "tr: the [c*] repeat construct may not appear in string1\n", 1, QUICK).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sleep_forever_is_cancellable() {
    let ws = workspace().await;
    for arg in ["1e30", "inf", "99999999999999999999d", "1e308d 1e308d"] {
        let r = run_with(&ws, &format!("sleep {arg}; echo never"), Duration::from_millis(300)).await;
        assert_eq!((r.out.as_str(), r.code), ("", EXIT_TIMEOUT), "sleep {arg}: {}", r.err);
        assert!(r.took < Duration::from_millis(1300), "sleep {arg}: {:?}", r.took);
    }
    expect(&ws, "sleep nan", "", "sleep: invalid time interval 'nan'\nTry 'sleep --help' for more information.\n", 1, QUICK).await;
    expect(&ws, "sleep -1", "", "sleep: invalid option -- '1'\nTry 'sleep --help' for more information.\n", 1, QUICK).await;
    expect(&ws, "sleep 0.01 --; echo ok", "ok\n", "", 0, QUICK).await;
}

/// Commands that hold their input stop at the session's memory budget, with the budget's
/// message, within seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holding_input_stops_at_the_memory_budget() {
    let ws = workspace_with(WorkspaceOptions { max_memory_bytes: 64 << 20, ..Default::default() }).await;
    for line in ["seq 1 100000000 | sort", "seq 1 100000000 | tac", "seq 1 100000000 | shuf", "seq 1 100000000 | tail -n 100000000", "seq 1 100000000 | sort -u | uniq"] {
        let r = run_with(&ws, line, Duration::from_secs(60)).await;
        assert_ne!(r.code, 0, "{line}");
        assert!(r.err.contains("Cannot allocate memory"), "{line}: {}", r.err);
        assert!(r.took < Duration::from_secs(20), "{line} took {:?}", r.took);
        eprintln!("{line}: {:?} {}", r.took, r.err.trim());
    }
}

/// CPU-bound work over a 50 MB RAM file stops soon after a deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_stop_cpu_bound_loops() {
    let ws = workspace().await;
    for line in ["sort big", "sort -n -k 2 big", "sort -u big | wc -l", "wc big", "wc -l big", "cat -n big | wc -l", "tac big | wc -l", "uniq -c big | wc -l", "tr a-z A-Z < big | wc -l", "cut -d' ' -f2 big | wc -l", "rev big | wc -l", "base64 big | wc -l", "strings big | wc -l", "nl big | wc -l", "sort big | uniq | wc -l", "paste big big | wc -l", "comm big big | wc -l", "join big big | wc -l", "xxd big | wc -l", "fold -w 3 big | wc -l", "expand big | wc -l", "unexpand -a big | wc -l", "column big | wc -l", "column -t big | wc -l", "shuf big | wc -l", "split -l 1 big sp_", "head -n -1 big | wc -l", "tail -n +2 big | wc -l", "sort -R big | wc -l", "sort -V big | wc -l", "uniq -D big | wc -l", "cat -A big | wc -l", "xxd -p big | xxd -r -p | wc -c", "seq 1 1000000000 | wc -l", "seq 1 1000000000 | tail -n 5", "seq -f %g 1 1000000000 | wc -l", "printf '%0100000d\\n' {1..2000} | wc -l"] {
        // Stopped at the deadline, or done before it. (Unloaded, each ends within ~30 ms of
        // the deadline; the bound leaves room for a busy machine. Left alone, each of these
        // runs for seconds or forever in a debug build.)
        let r = run_with(&ws, line, Duration::from_millis(200)).await;
        assert!(r.code == EXIT_TIMEOUT || (r.code == 0 && r.err.is_empty()), "{line}: {} {}", r.code, r.err);
        assert!(r.took < Duration::from_millis(1500), "{line} took {:?}", r.took);
        eprintln!("{line}: {:?}", r.took);
    }
}

/// No input makes a command panic (`mirage: internal error`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_internal_errors() {
    let ws = workspace().await;
    let lines = [
        "nl -v 9223372036854775807 -i 9223372036854775807 f f",
        "nl -n rz -v -9223372036854775808 f",
        "expand -t 18446744073709551615,+18446744073709551615 t",
        "expand -t 1,/18446744073709551615 t",
        "unexpand -a -t 18446744073709551615 t",
        "printf 'a        b\\n' | unexpand -t 2,+18446744073709551615",
        "stat -c '%.18446744073709551616s %18446744073709551616s' f",
        "stat --printf '\\777\\0%' f",
        "xxd -s -99999999999999999999 f",
        "xxd -s +-5 f",
        "xxd -c 0 -g -99999999999 f",
        "echo '-1: 41' | xxd -r",
        "echo 'zz: 41' | xxd -r",
        "seq -f '%-+ #0999999999999999999999.99999999999999999999g' 1 1",
        "seq 9223372036854775807 9223372036854775807",
        "seq -9223372036854775808 -9223372036854775807",
        "seq 170141183460469231731687303715884105727 1 170141183460469231731687303715884105727",
        "seq 1 -1e308 -1e308",
        "seq 1e308 1e308 1e308 | head -c 10",
        "seq -w 1e-99999999999999999999 1",
        "seq 1e99999999999999999999",
        "seq 1e29 1e-30 1e29 | head -c 100",
        "seq -w 1e29 1e-30 1e29 | head -c 100",
        "seq 0.000000000000000000000000000001 1e29 1e29",
        "seq 1 inf 5",
        "seq 5 -inf 1",
        "seq -f %a 1 2",
        "printf '%*.*d|' 99999999999999999999 99999999999999999999 1 | head -c 3",
        "printf '%.*f' -99999999999 1",
        "printf '%c%5c%-5c|' '' a b",
        "printf '%d %i %o %u %x %X' -9223372036854775808 -1 -1 -1 -1 -1",
        "printf '%#.0o %#x %#X' 0 0 0",
        "printf '%e %g %f' 1e308 1e-320 -0",
        "printf '%.1100g' 1e-300 | wc -c",
        "fold -b -w 1 t",
        "fold -s -w 18446744073709551605 t",
        "cut -b 18446744073709551614-18446744073709551614 f",
        "cut -f 1- --complement f",
        "cut -b - f",
        "head -c 18446744073709551615 f",
        "tail -c 18446744073709551615 f",
        "tail -n +18446744073709551615 f",
        "cat f | tail -c +18446744073709551615",
        "cat f | head -c -18446744073709551615",
        "split -l 18446744073709551615 f s3_",
        "split -n 18446744073709551615 -a 1 f s4_",
        "column -t -l 4294967295 f",
        "column -c 4294967295 -x f",
        "shuf -i 18446744073709551615-18446744073709551615",
        "shuf -i 0-18446744073709551614 -n 2 | wc -l",
        "shuf -r -i 0-18446744073709551614 -n 2 | wc -l",
        "date -d '-9223372036854775808 seconds'",
        "date -d '@-9223372036854775808'",
        "date -d '9223372036854775807 fortnights ago'",
        "date -d '2147483647 years'",
        "date -d '-2147483648 months'",
        "tr -d '[a*18446744073709551614]' < f",
        "tr -c -t a '[b*18446744073709551614]' < f",
        "tr -s a-z '[x*18446744073709551614][y*]' < f",
        "sleep 1e-400",
        "wc -L t",
        "uniq -c -w 18446744073709551615 -s 18446744073709551615 f",
        "sort -k 18446744073709551615.18446744073709551615,18446744073709551615.18446744073709551615 f",
        "sort -t: -k 2.99999999999999999999b,3.99999999999999999999 f",
        "join -1 18446744073709551615 -2 18446744073709551615 -o auto f f",
        "join -j 1 -o 2.18446744073709551615,0 f f",
        "base64 -w 18446744073709551615 f",
        "strings -99999999999999999999 f",
        "strings -n 18446744073709551615 -t x f",
        "comm --output-delimiter='' f f",
        "paste -d '\\\\' f f",
        "rev f t",
        "echo -e '\\x\\0777\\c'",
        "cat -A t",
        "tac -b -s xx f",
        "tac -s hi f",
    ];
    for line in lines {
        let r = run(&ws, line).await;
        assert!(!r.err.contains("internal error"), "{line}: {}", r.err);
        assert!(r.took < Duration::from_secs(4), "{line} took {:?}", r.took);
    }
}
