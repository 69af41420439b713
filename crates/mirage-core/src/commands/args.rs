//! GNU-style option parsing: clustered short options (`-la`), values (`-n 3`, `-n3`),
//! long options (`--lines=3`), `--` and options after operands (GNU permutes).

/// One option a command accepts.
#[derive(Clone, Copy)]
pub struct Opt {
    pub short: Option<char>,
    pub long: Option<&'static str>,
    pub takes_value: bool,
}

pub const fn flag(short: char, long: &'static str) -> Opt {
    Opt { short: Some(short), long: if long.is_empty() { None } else { Some(long) }, takes_value: false }
}

pub const fn value(short: char, long: &'static str) -> Opt {
    Opt { short: Some(short), long: if long.is_empty() { None } else { Some(long) }, takes_value: true }
}

pub const fn long_flag(long: &'static str) -> Opt {
    Opt { short: None, long: Some(long), takes_value: false }
}

pub const fn long_value(long: &'static str) -> Opt {
    Opt { short: None, long: Some(long), takes_value: true }
}

/// A parsed option: its key (the short char as a string, or the long name when it has no
/// short form) and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub key: String,
    pub value: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub opts: Vec<Found>,
    pub operands: Vec<String>,
}

impl Parsed {
    pub fn has(&self, key: &str) -> bool {
        self.opts.iter().any(|f| f.key == key)
    }
    /// The last value given for `key`.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.opts.iter().rev().find(|f| f.key == key).and_then(|f| f.value.as_deref())
    }
}

/// A usage error, worded as GNU getopt words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsageError {
    Invalid(char),
    Unrecognized(String),
    MissingValue(String),
    Ambiguous(String),
}

impl UsageError {
    pub fn message(&self, cmd: &str) -> String {
        let first = match self {
            UsageError::Invalid(c) => format!("{cmd}: invalid option -- '{c}'"),
            UsageError::Unrecognized(s) => format!("{cmd}: unrecognized option '{s}'"),
            UsageError::MissingValue(s) if s.starts_with("--") => format!("{cmd}: option '{s}' requires an argument"),
            UsageError::MissingValue(s) => format!("{cmd}: option requires an argument -- '{}'", s.trim_start_matches('-')),
            UsageError::Ambiguous(s) => format!("{cmd}: option '{s}' is ambiguous"),
        };
        format!("{first}\nTry '{cmd} --help' for more information.\n")
    }
}

fn key_of(o: &Opt) -> String {
    match o.short {
        Some(c) => c.to_string(),
        None => o.long.unwrap_or("").to_string(),
    }
}

pub fn parse(args: &[String], spec: &[Opt]) -> Result<Parsed, UsageError> {
    let mut out = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            out.operands.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(body) = a.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            // Exact match first, then a unique prefix, as getopt_long allows.
            let exact = spec.iter().find(|o| o.long == Some(name));
            let opt = match exact {
                Some(o) => o,
                None => {
                    let cands: Vec<&Opt> = spec.iter().filter(|o| o.long.is_some_and(|l| l.starts_with(name))).collect();
                    match cands.len() {
                        1 => cands[0],
                        0 => return Err(UsageError::Unrecognized(a.split('=').next().unwrap_or(a).to_string())),
                        _ => return Err(UsageError::Ambiguous(a.clone())),
                    }
                }
            };
            let value = if opt.takes_value {
                match inline {
                    Some(v) => Some(v),
                    None if i < args.len() => {
                        i += 1;
                        Some(args[i - 1].clone())
                    }
                    None => return Err(UsageError::MissingValue(format!("--{}", opt.long.unwrap_or(name)))),
                }
            } else {
                if inline.is_some() {
                    return Err(UsageError::Unrecognized(a.clone()));
                }
                None
            };
            out.opts.push(Found { key: key_of(opt), value });
            continue;
        }
        if a.len() > 1 && a.starts_with('-') {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                j += 1;
                let Some(opt) = spec.iter().find(|o| o.short == Some(c)) else {
                    return Err(UsageError::Invalid(c));
                };
                if opt.takes_value {
                    let rest: String = chars[j..].iter().collect();
                    let value = if !rest.is_empty() {
                        rest
                    } else if i < args.len() {
                        i += 1;
                        args[i - 1].clone()
                    } else {
                        return Err(UsageError::MissingValue(format!("-{c}")));
                    };
                    out.opts.push(Found { key: key_of(opt), value: Some(value) });
                    break;
                }
                out.opts.push(Found { key: key_of(opt), value: None });
            }
            continue;
        }
        out.operands.push(a.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn gnu_style() {
        let spec = [flag('l', ""), flag('a', "all"), value('n', "lines")];
        let p = parse(&s(&["-la", "x", "-n3", "--lines=4", "--", "-z"]), &spec).unwrap();
        assert!(p.has("l") && p.has("a"));
        assert_eq!(p.value("n"), Some("4"));
        assert_eq!(p.operands, s(&["x", "-z"]));
        assert_eq!(parse(&s(&["-z"]), &spec).unwrap_err(), UsageError::Invalid('z'));
        assert_eq!(
            UsageError::Invalid('z').message("cat"),
            "cat: invalid option -- 'z'\nTry 'cat --help' for more information.\n"
        );
        assert_eq!(parse(&s(&["--al"]), &spec).unwrap().opts[0].key, "a");
    }
}
