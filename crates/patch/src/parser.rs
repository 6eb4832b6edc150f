//! Parsing the `*** Begin Patch` format (the one OpenAI models are trained
//! on) into file operations.
//!
//! Leniency, because models slip: a patch wrapped in a shell heredoc
//! (`apply_patch <<'EOF'`) or a code fence is unwrapped; markers may carry
//! trailing whitespace; an empty line inside a chunk is an empty context
//! line; a missing final `*** End Patch` is accepted when the patch simply
//! stops. Anything else out of place is an error naming its line.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    pub ops: Vec<FileOp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOp {
    Add {
        path: String,
        contents: String,
    },
    Delete {
        path: String,
    },
    Update {
        path: String,
        move_to: Option<String>,
        chunks: Vec<Chunk>,
    },
}

/// One `@@` section: the lines it expects and the lines it leaves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chunk {
    /// `@@ text` lines: each is found in order before the chunk's lines.
    pub anchors: Vec<String>,
    /// Context and removed lines, in order.
    pub old: Vec<String>,
    /// Context and added lines, in order.
    pub new: Vec<String>,
    /// `*** End of File`: the old lines must end the file.
    pub end_of_file: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line of the patch text.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "patch line {}: {}", self.line, self.message)
    }
}

const BEGIN: &str = "*** Begin Patch";
const END: &str = "*** End Patch";
const ADD: &str = "*** Add File: ";
const DELETE: &str = "*** Delete File: ";
const UPDATE: &str = "*** Update File: ";
const MOVE: &str = "*** Move to: ";
const EOF_MARK: &str = "*** End of File";

pub fn parse(text: &str) -> Result<Patch, ParseError> {
    let all: Vec<&str> = text.lines().collect();
    let (first, lines) = unwrap(&all);
    let err = |i: usize, message: String| ParseError {
        line: first + i + 1,
        message,
    };
    if lines.first().map(|l| l.trim()) != Some(BEGIN) {
        return Err(err(0, format!("the patch must start with `{BEGIN}`")));
    }
    let mut ops = Vec::new();
    let mut i = 1;
    // Running out of lines without `*** End Patch` is accepted.
    while let Some(raw) = lines.get(i) {
        let line = raw.trim_end();
        if line == END {
            if let Some(extra) = lines[i + 1..].iter().position(|l| !l.trim().is_empty()) {
                return Err(err(i + 1 + extra, format!("text after `{END}`")));
            }
            break;
        }
        if let Some(path) = line.strip_prefix(ADD) {
            let mut contents = String::new();
            i += 1;
            while let Some(l) = lines.get(i) {
                if l.starts_with("*** ") {
                    break;
                }
                let Some(body) = l.strip_prefix('+') else {
                    return Err(err(
                        i,
                        format!("lines of an added file start with '+', got `{l}`"),
                    ));
                };
                contents.push_str(body);
                contents.push('\n');
                i += 1;
            }
            ops.push(FileOp::Add {
                path: path.trim().into(),
                contents,
            });
        } else if let Some(path) = line.strip_prefix(DELETE) {
            ops.push(FileOp::Delete {
                path: path.trim().into(),
            });
            i += 1;
        } else if let Some(path) = line.strip_prefix(UPDATE) {
            let header = i;
            i += 1;
            let mut move_to = None;
            if let Some(to) = lines.get(i).and_then(|l| l.trim_end().strip_prefix(MOVE)) {
                move_to = Some(to.trim().to_string());
                i += 1;
            }
            let (chunks, next) = chunks(lines, i).map_err(|(at, m)| err(at, m))?;
            i = next;
            if chunks.is_empty() && move_to.is_none() {
                return Err(err(header, format!("`{}` has no changes", line.trim())));
            }
            ops.push(FileOp::Update {
                path: path.trim().into(),
                move_to,
                chunks,
            });
        } else if line.trim().is_empty() {
            i += 1;
        } else {
            return Err(err(
                i,
                format!(
                    "expected `*** Add File:`, `*** Delete File:`, `*** Update File:` or `{END}`, got `{line}`"
                ),
            ));
        }
    }
    if ops.is_empty() {
        return Err(err(0, "the patch changes no files".into()));
    }
    Ok(Patch { ops })
}

/// Drop a heredoc or code-fence wrapper; returns the offset of the first
/// kept line and the kept lines.
fn unwrap<'a>(all: &'a [&'a str]) -> (usize, &'a [&'a str]) {
    let mut start = 0;
    let mut end = all.len();
    while start < end && all[start].trim().is_empty() {
        start += 1;
    }
    while end > start && all[end - 1].trim().is_empty() {
        end -= 1;
    }
    if start < end {
        let first = all[start].trim();
        if first.starts_with("```")
            || (first != BEGIN && (first.contains("<<") || first.starts_with("apply_patch")))
        {
            start += 1;
            let last = all[end - 1].trim();
            if end > start
                && (last.starts_with("```") || last == "EOF" || last == "PATCH" || last == "'EOF'")
            {
                end -= 1;
            }
        }
    }
    (start, &all[start..end])
}

/// The chunks of one Update, from line `i` up to the next file header.
fn chunks(lines: &[&str], mut i: usize) -> Result<(Vec<Chunk>, usize), (usize, String)> {
    let mut out: Vec<Chunk> = Vec::new();
    let mut current: Option<Chunk> = None;
    while let Some(raw) = lines.get(i) {
        let line = raw.trim_end_matches('\r');
        let marker = line.trim_end();
        if marker == EOF_MARK {
            let chunk = current.get_or_insert_with(Chunk::default);
            chunk.end_of_file = true;
            i += 1;
            continue;
        }
        if marker.starts_with("*** ") {
            break;
        }
        if let Some(anchor) = marker.strip_prefix("@@") {
            let anchor = anchor.trim();
            // A second @@ before any lines narrows the same chunk.
            let chunk = match current.take() {
                Some(c) if c.old.is_empty() && c.new.is_empty() => c,
                Some(c) => {
                    out.push(c);
                    Chunk::default()
                }
                None => Chunk::default(),
            };
            let mut chunk = chunk;
            if !anchor.is_empty() {
                chunk.anchors.push(anchor.to_string());
            }
            current = Some(chunk);
            i += 1;
            continue;
        }
        let chunk = current.get_or_insert_with(Chunk::default);
        if line.is_empty() {
            chunk.old.push(String::new());
            chunk.new.push(String::new());
        } else if let Some(rest) = line.strip_prefix(' ') {
            chunk.old.push(rest.into());
            chunk.new.push(rest.into());
        } else if let Some(rest) = line.strip_prefix('-') {
            chunk.old.push(rest.into());
        } else if let Some(rest) = line.strip_prefix('+') {
            chunk.new.push(rest.into());
        } else {
            return Err((
                i,
                format!("expected a line starting with ' ', '+', '-' or '@@', got `{line}`"),
            ));
        }
        i += 1;
    }
    if let Some(c) = current {
        out.push(c);
    }
    if let Some(pos) = out
        .iter()
        .position(|c| c.old.is_empty() && c.new.is_empty())
    {
        return Err((
            i.saturating_sub(1),
            format!("chunk {} has no lines", pos + 1),
        ));
    }
    Ok((out, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_of_every_kind() {
        let p = parse(
            "*** Begin Patch\n*** Add File: a/new.py\n+x = 1\n+\n*** Delete File: old.py\n*** Update File: m.py\n*** Move to: n.py\n@@ class A:\n@@   def f(self):\n-    return 1\n+    return 2\n@@\n ctx\n\n+end\n*** End of File\n*** End Patch\n",
        )
        .unwrap();
        assert_eq!(p.ops.len(), 3);
        assert_eq!(
            p.ops[0],
            FileOp::Add {
                path: "a/new.py".into(),
                contents: "x = 1\n\n".into()
            }
        );
        assert_eq!(
            p.ops[1],
            FileOp::Delete {
                path: "old.py".into()
            }
        );
        let FileOp::Update {
            path,
            move_to,
            chunks,
        } = &p.ops[2]
        else {
            panic!()
        };
        assert_eq!((path.as_str(), move_to.as_deref()), ("m.py", Some("n.py")));
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].anchors, ["class A:", "def f(self):"]);
        assert_eq!(chunks[0].old, ["    return 1"]);
        assert_eq!(chunks[0].new, ["    return 2"]);
        assert_eq!(chunks[1].old, ["ctx", ""]);
        assert_eq!(chunks[1].new, ["ctx", "", "end"]);
        assert!(chunks[1].end_of_file);
    }

    #[test]
    fn heredoc_and_fence_wrappers_are_unwrapped() {
        let body = "*** Begin Patch\n*** Delete File: x\n*** End Patch";
        for wrapped in [
            format!("apply_patch <<'EOF'\n{body}\nEOF\n"),
            format!("```\n{body}\n```"),
            format!("\n\n{body}\n\n"),
        ] {
            assert_eq!(
                parse(&wrapped).unwrap().ops,
                vec![FileOp::Delete { path: "x".into() }]
            );
        }
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("*** Update File: a\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("must start with"));
        let e = parse("*** Begin Patch\n*** Update File: a\n@@\n ok\nbad line\n*** End Patch")
            .unwrap_err();
        assert_eq!(e.line, 5);
        assert!(e.message.contains("got `bad line`"), "{e}");
        let e = parse("*** Begin Patch\n*** Add File: a\nno plus\n*** End Patch").unwrap_err();
        assert_eq!(e.line, 3);
        let e = parse("*** Begin Patch\n*** Update File: a\n*** End Patch").unwrap_err();
        assert!(e.message.contains("has no changes"), "{e}");
        let e = parse("*** Begin Patch\n*** Frobnicate: a\n*** End Patch").unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("*** Begin Patch\n*** End Patch").unwrap_err();
        assert!(e.message.contains("no files"));
    }

    #[test]
    fn a_missing_end_marker_is_accepted() {
        let p = parse("*** Begin Patch\n*** Update File: a\n@@\n-x\n+y").unwrap();
        assert_eq!(p.ops.len(), 1);
    }
}
