//! Lexical path normalisation: object stores have no symlinks, so `..` and `.` are
//! resolved on the text alone and can never climb above `/`.

/// Resolve `path` against `cwd` (itself absolute and normalised) into an absolute,
/// normalised path: no `.`/`..`/empty segments, no trailing `/` except for the root.
pub fn normalize(cwd: &str, path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let joined;
    let full = if path.starts_with('/') {
        path
    } else {
        joined = format!("{cwd}/{path}");
        &joined
    };
    for seg in full.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        "/".to_string()
    } else {
        let mut out = String::with_capacity(full.len());
        for p in parts {
            out.push('/');
            out.push_str(p);
        }
        out
    }
}

/// Normalise a mount prefix given by the user (`'/bucket/'`, `'/bucket'`, `'bucket'`)
/// into `/bucket`.
pub fn normalize_prefix(prefix: &str) -> String {
    normalize("/", prefix)
}

/// The directory part of an absolute normalised path.
pub fn dirname(abs: &str) -> &str {
    match abs.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &abs[..i],
    }
}

/// The last component of an absolute normalised path (`""` for the root).
pub fn basename(abs: &str) -> &str {
    match abs.rfind('/') {
        Some(i) => &abs[i + 1..],
        None => abs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_and_dots() {
        assert_eq!(normalize("/bucket", "logs/a.txt"), "/bucket/logs/a.txt");
        assert_eq!(normalize("/bucket/logs", "../x"), "/bucket/x");
        assert_eq!(normalize("/", "../../etc"), "/etc");
        assert_eq!(normalize("/a", "//b//c/./"), "/b/c");
        assert_eq!(normalize("/a", "."), "/a");
        assert_eq!(normalize("/a", ".."), "/");
    }

    #[test]
    fn prefixes() {
        assert_eq!(normalize_prefix("/bucket/"), "/bucket");
        assert_eq!(normalize_prefix("bucket"), "/bucket");
        assert_eq!(dirname("/a/b"), "/a");
        assert_eq!(dirname("/a"), "/");
        assert_eq!(basename("/a/b"), "b");
    }
}
