//! Parsing the `*** Begin Patch` format (the one OpenAI models are trained
//! on) into file operations, line by line as Codex's reference parser does,
//! so a patch it accepts is accepted here and one it refuses is refused.
//!
//! What the reference tolerates, and so this does: spaces around the
//! envelope markers and a heredoc around the patch (see `envelope`); spaces
//! around a file header, except right after an Update's lines, where a line
//! starting with a space is a context line; trailing spaces on `@@`,
//! `*** Move to:` and `*** End of File`; an empty line inside a chunk (an
//! empty context line) and blank lines before the first chunk or after
//! `*** End of File`; a first chunk without `@@`. What it refuses, and so
//! this does: anything else, including blank lines between files, two `@@`
//! lines in a row, an Update with no chunk (even a pure rename), and a patch
//! that changes no file. Errors name their line and say what was expected.

use crate::envelope::envelope;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    pub ops: Vec<FileOp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOp {
    /// Creates the file, or replaces it when it exists (as the reference).
    Add {
        path: String,
        contents: String,
    },
    Delete {
        path: String,
    },
    Update {
        path: String,
        /// Replaces the destination when it exists (as the reference).
        move_to: Option<String>,
        chunks: Vec<Chunk>,
    },
}

/// One chunk of an Update: the lines it expects and the lines it leaves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chunk {
    /// The `@@ text` line: found first, the chunk's lines come after it.
    pub context: Option<String>,
    /// Context and removed lines, in order.
    pub old: Vec<String>,
    /// Context and added lines, in order.
    pub new: Vec<String>,
    /// `(index in old, index in new)` of each context line, so the file's
    /// own line (its spacing, its line ending) is kept where the patch only
    /// points at it.
    pub kept: Vec<(usize, usize)>,
    /// `*** End of File`: the old lines must end the file.
    pub end_of_file: bool,
}

impl Chunk {
    fn is_empty(&self) -> bool {
        self.old.is_empty() && self.new.is_empty()
    }

    fn keep(&mut self, line: &str) {
        self.kept.push((self.old.len(), self.new.len()));
        self.old.push(line.to_string());
        self.new.push(line.to_string());
    }
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

pub(crate) const BEGIN: &str = "*** Begin Patch";
pub(crate) const END: &str = "*** End Patch";
const ADD: &str = "*** Add File: ";
const DELETE: &str = "*** Delete File: ";
const UPDATE: &str = "*** Update File: ";
const MOVE: &str = "*** Move to: ";
const EOF_MARK: &str = "*** End of File";
/// Codex's marker for which of its environments a patch is for. Tandem has
/// one, so a patch naming one is refused rather than applied somewhere the
/// model did not mean.
const ENVIRONMENT: &str = "*** Environment ID: ";

/// Where the parser is: which kind of file section the last header began.
enum Section {
    Start,
    Add,
    Delete,
    /// The line of the `*** Update File:` header.
    Update(usize),
}

pub fn parse(text: &str) -> Result<Patch, ParseError> {
    let (first_line, lines) = envelope(text)?;
    let mut p = Parser {
        ops: Vec::new(),
        section: Section::Start,
        line: first_line,
    };
    // The envelope guarantees the first line is `*** Begin Patch` and the
    // last `*** End Patch`; an earlier `*** End Patch` ends the patch there
    // and what follows is ignored, as the reference does.
    for (i, raw) in lines.iter().enumerate().skip(1) {
        p.line = first_line + i;
        if p.feed(raw, i == lines.len() - 1)? {
            break;
        }
    }
    if p.ops.is_empty() {
        return Err(ParseError {
            line: first_line,
            message: "the patch changes no files".into(),
        });
    }
    Ok(Patch { ops: p.ops })
}

struct Parser {
    ops: Vec<FileOp>,
    section: Section,
    line: usize,
}

fn error<T>(line: usize, message: String) -> Result<T, ParseError> {
    Err(ParseError { line, message })
}

impl Parser {
    fn err<T>(&self, message: String) -> Result<T, ParseError> {
        error(self.line, message)
    }

    /// One line; `Ok(true)` once `*** End Patch` is reached.
    fn feed(&mut self, raw: &str, last: bool) -> Result<bool, ParseError> {
        let trimmed = raw.trim();
        if last {
            self.close_update()?;
            return Ok(true);
        }
        match self.section {
            Section::Start | Section::Delete => {
                if trimmed.starts_with(ENVIRONMENT) && matches!(self.section, Section::Start) {
                    return self.err(format!(
                        "`{}` names an environment of Codex's; Tandem applies patches to this workspace only, so leave that line out",
                        ENVIRONMENT.trim_end()
                    ));
                }
                match self.header(trimmed)? {
                    Some(ended) => Ok(ended),
                    None => self.err(format!(
                        "expected `*** Add File:`, `*** Delete File:`, `*** Update File:` or `{END}`, got `{trimmed}`"
                    )),
                }
            }
            Section::Add => {
                if let Some(ended) = self.header(trimmed)? {
                    return Ok(ended);
                }
                let Some(body) = raw.strip_prefix('+') else {
                    return self.err(format!(
                        "lines of an added file start with '+', got `{raw}`"
                    ));
                };
                if let Some(FileOp::Add { contents, .. }) = self.ops.last_mut() {
                    contents.push_str(body);
                    contents.push('\n');
                }
                Ok(false)
            }
            Section::Update(_) => self.update_line(raw),
        }
    }

    /// A file header or `*** End Patch` starts a new section: `Some(true)`
    /// when the patch ended, `None` when `line` is neither.
    fn header(&mut self, line: &str) -> Result<Option<bool>, ParseError> {
        let (op, section) = if line == END {
            self.close_update()?;
            return Ok(Some(true));
        } else if let Some(path) = line.strip_prefix(ADD) {
            let op = FileOp::Add {
                path: path.into(),
                contents: String::new(),
            };
            (op, Section::Add)
        } else if let Some(path) = line.strip_prefix(DELETE) {
            (FileOp::Delete { path: path.into() }, Section::Delete)
        } else if let Some(path) = line.strip_prefix(UPDATE) {
            let op = FileOp::Update {
                path: path.into(),
                move_to: None,
                chunks: Vec::new(),
            };
            (op, Section::Update(self.line))
        } else {
            return Ok(None);
        };
        self.close_update()?;
        self.ops.push(op);
        self.section = section;
        Ok(Some(false))
    }

    /// An Update must change something, and its last `@@` must have lines.
    fn close_update(&self) -> Result<(), ParseError> {
        let Section::Update(header) = self.section else {
            return Ok(());
        };
        let Some(FileOp::Update { path, chunks, .. }) = self.ops.last() else {
            return Ok(());
        };
        match chunks.last() {
            None => Err(ParseError {
                line: header,
                message: format!(
                    "`{UPDATE}{path}` has no chunk; even a rename needs one (a `@@` line and the lines it changes)"
                ),
            }),
            Some(c) if c.is_empty() => self.err("the last `@@` has no lines under it".into()),
            Some(_) => Ok(()),
        }
    }

    /// A line inside an Update. Only its end is trimmed before looking for
    /// a marker: a line starting with a space is a context line, whatever
    /// follows the space (the reference reads it so too).
    fn update_line(&mut self, raw: &str) -> Result<bool, ParseError> {
        let at = self.line;
        let line = raw.trim_end();
        if let Some(ended) = self.header(line)? {
            return Ok(ended);
        }
        let Some(FileOp::Update {
            move_to, chunks, ..
        }) = self.ops.last_mut()
        else {
            return Ok(false);
        };
        if chunks.is_empty()
            && move_to.is_none()
            && let Some(to) = line.strip_prefix(MOVE)
        {
            *move_to = Some(to.into());
            return Ok(false);
        }
        let context = if line == "@@" {
            Some(None)
        } else {
            line.strip_prefix("@@ ").map(|c| Some(c.to_string()))
        };
        if let Some(context) = context {
            if chunks.last().is_some_and(Chunk::is_empty) {
                return error(
                    at,
                    format!(
                        "expected the lines of the chunk above, got a second `@@` line `{line}` (one `@@` line per chunk)"
                    ),
                );
            }
            chunks.push(Chunk {
                context,
                ..Chunk::default()
            });
            return Ok(false);
        }
        if line == EOF_MARK {
            match chunks.last_mut() {
                Some(c) if c.is_empty() => {
                    return error(at, format!("`{EOF_MARK}` follows a `@@` with no lines"));
                }
                Some(c) if c.end_of_file => {
                    return error(at, format!("a second `{EOF_MARK}` for the same chunk"));
                }
                Some(c) => c.end_of_file = true,
                None => {}
            }
            return Ok(false);
        }
        // `*** End of File` closes its chunk; before the first chunk and
        // after a closed one, blank lines are skipped and only a `@@` line
        // may start the next chunk (but the first may leave it out).
        if chunks.last().is_none_or(|c| c.end_of_file) {
            if raw.trim().is_empty() {
                return Ok(false);
            }
            if !chunks.is_empty() {
                return error(
                    at,
                    format!(
                        "expected a `@@` line to start the next chunk after `{EOF_MARK}`, got `{raw}`"
                    ),
                );
            }
            chunks.push(Chunk::default());
        }
        let chunk = chunks.last_mut().expect("a chunk was just ensured");
        if raw.is_empty() {
            chunk.keep("");
        } else if let Some(rest) = raw.strip_prefix(' ') {
            chunk.keep(rest);
        } else if let Some(rest) = raw.strip_prefix('+') {
            chunk.new.push(rest.into());
        } else if let Some(rest) = raw.strip_prefix('-') {
            chunk.old.push(rest.into());
        } else {
            return error(
                at,
                format!(
                    "expected a line starting with ' ', '+', '-' or `@@`, or a file header, got `{raw}`"
                ),
            );
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests;
