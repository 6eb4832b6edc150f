//! An Update's chunks applied to a file's text, placed as the reference
//! places them: in order, each after the previous one and after its `@@`
//! line; a chunk with no old lines appends at the end of the file; a chunk
//! under `*** End of File` must end the file; a last empty context line
//! (the newline ending the file, as a model writes it) may be missing.

use crate::lines::{Lines, Replacement};
use crate::parser::Chunk;
use crate::seek::seek;

/// The file after the update, and how many lines the patch removed and
/// added (context lines are neither).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Updated {
    pub text: String,
    pub added: usize,
    pub removed: usize,
}

/// Why a chunk could not be placed; `chunk` counts from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateError {
    /// The `@@` line was not found after line `after`.
    Context {
        chunk: usize,
        context: String,
        after: usize,
    },
    /// The chunk's old lines were not found after line `after` (or, with
    /// `end_of_file`, not at the end).
    Lines {
        chunk: usize,
        lines: Vec<String>,
        after: usize,
        end_of_file: bool,
    },
    /// The chunk matched lines an earlier chunk already changes (possible
    /// only under `*** End of File`, which ignores the cursor).
    Overlap { chunk: usize },
}

impl std::fmt::Display for UpdateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UpdateError::Context {
                chunk,
                context,
                after,
            } => write!(
                f,
                "chunk {chunk}: could not find the line `@@ {context}` after line {after}"
            ),
            UpdateError::Lines {
                chunk,
                lines,
                after,
                end_of_file,
            } => {
                let place = if *end_of_file {
                    "at the end of the file (the chunk is marked `*** End of File`)".to_string()
                } else {
                    format!("after line {after}")
                };
                write!(f, "chunk {chunk}: could not find these lines {place}:")?;
                for l in lines {
                    write!(f, "\n  {l}")?;
                }
                // After an Update's lines, a header written with a space
                // before it is read as a context line (as the reference
                // reads it): say so, or the model will not see why.
                if lines.iter().any(|l| l.trim_start().starts_with("*** ")) {
                    write!(
                        f,
                        "\n(A `***` line with a space before it is a context line here; start file headers at the beginning of the line.)"
                    )?;
                }
                Ok(())
            }
            UpdateError::Overlap { chunk } => write!(
                f,
                "chunk {chunk}: its lines overlap those an earlier chunk changes"
            ),
        }
    }
}

pub fn update(text: &str, chunks: &[Chunk]) -> Result<Updated, UpdateError> {
    let mut file = Lines::parse(text);
    let lines = file.texts();
    let mut placed = Vec::new();
    let mut cursor = 0;
    for (n, chunk) in chunks.iter().enumerate() {
        let chunk_no = n + 1;
        if let Some(context) = &chunk.context {
            let Some(at) = seek(&lines, std::slice::from_ref(context), cursor, false) else {
                return Err(UpdateError::Context {
                    chunk: chunk_no,
                    context: context.clone(),
                    after: cursor,
                });
            };
            cursor = at + 1;
        }
        if chunk.old.is_empty() {
            // The reference appends a pure addition at the end of the file,
            // wherever its `@@` line was found.
            placed.push((
                chunk_no,
                Replacement {
                    at: lines.len(),
                    len: 0,
                    new: chunk.new.clone(),
                },
            ));
            continue;
        }
        let (mut old, mut new) = (&chunk.old[..], &chunk.new[..]);
        let mut found = seek(&lines, old, cursor, chunk.end_of_file);
        if found.is_none() && old.last().is_some_and(String::is_empty) {
            old = &old[..old.len() - 1];
            if new.last().is_some_and(String::is_empty) {
                new = &new[..new.len() - 1];
            }
            found = seek(&lines, old, cursor, chunk.end_of_file);
        }
        let Some(at) = found else {
            return Err(UpdateError::Lines {
                chunk: chunk_no,
                lines: chunk.old.clone(),
                after: cursor,
                end_of_file: chunk.end_of_file,
            });
        };
        for r in around_kept(at, old, new, &chunk.kept) {
            placed.push((chunk_no, r));
        }
        cursor = at + old.len();
    }
    // Stable: pure additions at the end keep their order.
    placed.sort_by_key(|(_, r)| r.at);
    let (mut end, mut end_chunk) = (0, 0);
    for (chunk, r) in &placed {
        if r.at < end {
            return Err(UpdateError::Overlap {
                chunk: end_chunk.max(*chunk),
            });
        }
        (end, end_chunk) = (r.at + r.len, *chunk);
    }
    let replacements: Vec<Replacement> = placed.into_iter().map(|(_, r)| r).collect();
    let removed = replacements.iter().map(|r| r.len).sum();
    let added = replacements.iter().map(|r| r.new.len()).sum();
    file.replace(&replacements);
    Ok(Updated {
        text: file.into_text(),
        added,
        removed,
    })
}

/// The replacements of one chunk matched at `at`: the runs of changed lines
/// between its context lines, so the file's own context lines stay as they
/// are (a context line matched leniently keeps its spacing and ending).
fn around_kept(
    at: usize,
    old: &[String],
    new: &[String],
    kept: &[(usize, usize)],
) -> Vec<Replacement> {
    let mut out = Vec::new();
    let (mut o, mut n) = (0, 0);
    for &(ko, kn) in kept {
        // A trailing empty context line dropped above is not kept.
        if ko >= old.len() || kn >= new.len() {
            break;
        }
        if (o, n) != (ko, kn) {
            out.push(Replacement {
                at: at + o,
                len: ko - o,
                new: new[n..kn].to_vec(),
            });
        }
        (o, n) = (ko + 1, kn + 1);
    }
    if (o, n) != (old.len(), new.len()) {
        out.push(Replacement {
            at: at + o,
            len: old.len() - o,
            new: new[n..].to_vec(),
        });
    }
    out
}

#[cfg(test)]
mod tests;
