//! `read`: a file's lines, numbered, from the proposal or the disk.

use super::{Access, Acts, Permission, ToolContext, ToolOutput, Touch, walk};
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

const DEFAULT_LIMIT: usize = 2000;
const MAX_LINE: usize = 2000;

pub struct Read;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// File path, relative to the workspace root
    path: String,
    /// First line to read (1-based)
    #[schemars(range(min = 1))]
    offset: Option<usize>,
    /// Number of lines to read (default 2000)
    #[schemars(range(min = 1))]
    limit: Option<usize>,
}

#[async_trait]
impl super::TypedTool for Read {
    type Input = Input;

    fn name(&self) -> &str {
        "read"
    }

    fn description(&self) -> &str {
        "Read a file: numbered lines (`cat -n` style), at most 2000 from `offset` (1-based); page with offset and limit. Shows your proposed text of files you edited. Images (PNG, JPEG, GIF, WebP) come back as images."
    }

    fn permission(&self) -> Permission {
        Permission::ReadOnly
    }

    fn answers_to(&self) -> &'static [&'static str] {
        &["Read"]
    }

    fn acts_on(&self) -> Acts {
        Acts::Files
    }

    fn touches(&self, input: &Value) -> Vec<Touch> {
        Touch::path_arg(input, Access::Read)
    }

    async fn run(&self, input: Input, ctx: &ToolContext) -> ToolOutput {
        let ws = &ctx.workspace;
        // Outside the workspace only the read roots (skill folders) are
        // readable, from disk, and never cited.
        let outside = outside_root(ctx, &input.path);
        let rel = match &outside {
            Some(path) => path.display().to_string(),
            None => match ws.relative(&input.path) {
                Ok(r) => r,
                Err(e) => return ToolOutput::error(e.to_string()),
            },
        };
        let is_dir = match &outside {
            Some(path) => path.is_dir(),
            None => ws.absolute(&rel).is_dir() && ws.changes().get(&rel).is_none(),
        };
        if is_dir {
            return ToolOutput::error(format!(
                "{rel} is a directory; use the list tool to see its contents"
            ));
        }
        // An image on disk (the proposal holds text only) goes to the model
        // as an image, scaled within the cap.
        let on_disk = match &outside {
            Some(path) => Some(path.clone()),
            None => ws.changes().get(&rel).is_none().then(|| ws.absolute(&rel)),
        };
        if let Some(bytes) = on_disk.and_then(|p| std::fs::read(p).ok())
            && crate::images::is_image(&bytes)
        {
            return match crate::images::load(&bytes) {
                Ok(loaded) => ToolOutput {
                    content: format!("{rel}: {}", loaded.describe()),
                    is_error: false,
                    images: vec![loaded.image],
                },
                Err(e) => ToolOutput::error(format!("cannot read {rel}: {e}")),
            };
        }
        let read = match &outside {
            Some(path) => match std::fs::read_to_string(path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                other => other.map(Some),
            },
            None => ws.read(&rel),
        };
        let text = match read {
            Ok(Some(t)) => t,
            Ok(None) if outside.is_some() => {
                return ToolOutput::error(format!("{rel} does not exist"));
            }
            Ok(None) => return ToolOutput::error(not_found(ctx, &rel)),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return ToolOutput::error(format!("{rel} is a binary or non-UTF-8 file"));
            }
            Err(e) => return ToolOutput::error(format!("cannot read {rel}: {e}")),
        };
        if text.is_empty() {
            return ToolOutput::ok(format!("{rel} is empty."));
        }
        let lines: Vec<&str> = text.lines().collect();
        let offset = input.offset.unwrap_or(1).max(1);
        let limit = input.limit.unwrap_or(DEFAULT_LIMIT).max(1);
        if offset > lines.len() {
            return ToolOutput::error(format!(
                "offset {offset} is past the end of {rel}, which has {} lines",
                lines.len()
            ));
        }
        let end = (offset - 1 + limit).min(lines.len());
        let mut out = String::new();
        for (i, line) in lines[offset - 1..end].iter().enumerate() {
            let n = offset + i;
            if line.chars().count() > MAX_LINE {
                let cut: String = line.chars().take(MAX_LINE).collect();
                out.push_str(&format!(
                    "{n:>6}\t{cut} [... line cut at {MAX_LINE} chars]\n"
                ));
            } else {
                out.push_str(&format!("{n:>6}\t{line}\n"));
            }
        }
        if end < lines.len() {
            out.push_str(&format!(
                "[{} more lines; read on with offset {}]\n",
                lines.len() - end,
                end + 1
            ));
        }
        if outside.is_none() {
            ws.cite(&rel, offset, end);
        }
        ToolOutput::ok(out)
    }
}

/// `path` when it is absolute, outside the workspace and inside one of the
/// context's read roots (checked on the path's words: `..` may not climb
/// out).
fn outside_root(ctx: &ToolContext, path: &str) -> Option<std::path::PathBuf> {
    use std::path::{Component, PathBuf};
    let p = std::path::Path::new(path);
    if !p.is_absolute() || ctx.read_roots.is_empty() || p.starts_with(ctx.workspace.root()) {
        return None;
    }
    let mut normal = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    ctx.read_roots
        .iter()
        .any(|root| normal.starts_with(root))
        .then_some(normal)
}

/// "No such file", with up to three existing paths of a similar name.
fn not_found(ctx: &ToolContext, rel: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_lowercase();
    let stem = name.split('.').next().unwrap_or(&name).to_string();
    let mut similar: Vec<(f32, String)> = walk::files(&ctx.workspace, "")
        .into_iter()
        .filter_map(|p| {
            let other = p.rsplit('/').next().unwrap_or(&p).to_lowercase();
            let score = similar::TextDiff::from_chars(name.as_str(), other.as_str()).ratio();
            (score > 0.6 || (!stem.is_empty() && other.starts_with(&stem))).then_some((score, p))
        })
        .collect();
    similar.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut msg = format!("{rel} does not exist");
    if !similar.is_empty() {
        let names: Vec<String> = similar.into_iter().take(3).map(|(_, p)| p).collect();
        msg.push_str(&format!("; did you mean {}?", names.join(", ")));
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Tool;
    use crate::tools::walk::fixture::repo;
    use serde_json::json;

    #[tokio::test]
    async fn numbered_lines_with_paging_and_citation() {
        let text: String = (1..=10).map(|i| format!("line {i}\n")).collect();
        let r = repo(&[("a.txt", &text)]);
        let out = Read
            .run(json!({"path": "a.txt", "offset": 3, "limit": 2}), &r.ctx)
            .await;
        assert!(!out.is_error);
        assert_eq!(
            out.content,
            "     3\tline 3\n     4\tline 4\n[6 more lines; read on with offset 5]\n"
        );
        let cites: Vec<_> = r.ctx.workspace.citations().iter().collect();
        assert_eq!((cites[0].start_line, cites[0].end_line), (3, 4));
    }

    #[tokio::test]
    async fn reads_the_proposal_not_the_disk() {
        let r = repo(&[("a.txt", "disk\n")]);
        r.ctx
            .workspace
            .write("a.txt", Some("proposed\n".into()))
            .unwrap();
        let out = Read.run(json!({"path": "a.txt"}), &r.ctx).await;
        assert_eq!(out.content, "     1\tproposed\n");
    }

    #[tokio::test]
    async fn read_roots_outside_the_workspace_are_readable_and_nothing_else() {
        let mut r = repo(&[("a.txt", "x\n")]);
        let skills = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(skills.path().join("pdf")).unwrap();
        std::fs::write(skills.path().join("pdf/forms.md"), "fill the form\n").unwrap();
        std::fs::write(skills.path().join("secret.txt"), "no").unwrap();
        let file = skills.path().join("pdf/forms.md").display().to_string();
        let denied = Read.run(json!({ "path": file }), &r.ctx).await;
        assert!(denied.is_error && denied.content.contains("outside the workspace"));
        r.ctx.read_roots = vec![skills.path().join("pdf")];
        let ok = Read.run(json!({ "path": file }), &r.ctx).await;
        assert_eq!(ok.content, "     1\tfill the form\n");
        assert!(r.ctx.workspace.citations().iter().next().is_none());
        let climb = format!("{}/pdf/../secret.txt", skills.path().display());
        let out = Read.run(json!({ "path": climb }), &r.ctx).await;
        assert!(out.is_error, "{}", out.content);
    }

    #[tokio::test]
    async fn an_image_file_comes_back_as_an_image() {
        let r = repo(&[("a.txt", "x\n")]);
        let mut png = std::io::Cursor::new(Vec::new());
        image::RgbImage::new(3, 2)
            .write_to(&mut png, image::ImageFormat::Png)
            .unwrap();
        let png = png.into_inner();
        std::fs::write(r.dir.path().join("dot.png"), &png).unwrap();
        let out = Read.run(json!({"path": "dot.png"}), &r.ctx).await;
        assert!(!out.is_error, "{}", out.content);
        assert_eq!(out.content, "dot.png: image/png, 3x2 px");
        assert_eq!(out.images, [crate::model::Image::from_bytes(&png).unwrap()]);
    }

    #[tokio::test]
    async fn clear_errors() {
        let r = repo(&[("src/main.rs", "fn main() {}\n"), ("bin.dat", "")]);
        std::fs::write(r.dir.path().join("bin.dat"), [0xff, 0xfe, 0x00]).unwrap();
        let missing = Read.run(json!({"path": "src/mian.rs"}), &r.ctx).await;
        assert!(missing.is_error);
        assert!(
            missing.content.contains("did you mean src/main.rs"),
            "{}",
            missing.content
        );
        let dir = Read.run(json!({"path": "src"}), &r.ctx).await;
        assert!(dir.is_error && dir.content.contains("list"));
        let bin = Read.run(json!({"path": "bin.dat"}), &r.ctx).await;
        assert!(bin.is_error && bin.content.contains("binary"));
        let outside = Read.run(json!({"path": "../x"}), &r.ctx).await;
        assert!(outside.is_error && outside.content.contains("outside the workspace"));
        let bad = Read.run(json!({"file": "x"}), &r.ctx).await;
        assert!(bad.is_error && bad.content.contains("invalid arguments for read"));
    }
}
