//! Just enough shell syntax to see which programs a command line runs.
//!
//! Rules are written per program (`Bash(npm run test:*)`), so `a && b` must be
//! judged as `a` and `b`. Splitting errs towards more parts: a part too many
//! only makes an allow rule miss (and the user gets asked), a part too few
//! could hide a program from a deny rule or sneak it past an allow rule.

/// The simple commands of `command`, in no particular order: those joined by
/// `&&`, `||`, `;`, `|`, `&` or newlines, those inside `$(...)`, backticks,
/// `<(...)`, subshells and unquoted here-documents. Each keeps its own text
/// (redirections included, unquoted blanks collapsed to one space), with
/// leading shell keywords (`if`, `then`, `do`, `!`, `{`…) removed.
pub fn split_commands(command: &str) -> Vec<String> {
    let mut splitter = Splitter::new(command);
    splitter.list(None);
    splitter
        .out
        .into_iter()
        .filter_map(|part| {
            let part = strip_keywords(&part);
            (!part.is_empty() && !CLOSERS.contains(&part)).then(|| part.to_string())
        })
        .collect()
}

/// `command` without leading `VAR=value` assignments and the wrappers that
/// run the rest of the line as their own command (`timeout 30`, `nice -n 5`,
/// `env A=1`, `xargs -0`, …), so `timeout 30 npm test` is judged as
/// `npm test`. A wrapper with an option we do not know stays, because we
/// cannot tell where its command starts. `sudo` stays too: running as root
/// is not what a rule for the bare command allowed.
pub fn strip_wrappers(command: &str) -> &str {
    let words = words(command);
    let mut i = 0;
    while let Some((_, word)) = words.get(i) {
        let next = if is_assignment(word) {
            Some(i + 1)
        } else {
            match word.as_str() {
                "time" => skip_options(&words, i + 1, &["-p"], &[]),
                "nohup" | "builtin" => Some(i + 1),
                // `command -v x` only looks `x` up, so only `-p` is a wrapper.
                "command" => skip_options(&words, i + 1, &["-p"], &[]),
                "exec" => skip_options(&words, i + 1, &["-c", "-l", "-cl", "-lc"], &["-a"]),
                "nice" => skip_nice(&words, i + 1),
                "timeout" => skip_timeout(&words, i + 1),
                "env" => skip_options(
                    &words,
                    i + 1,
                    &[
                        "-",
                        "-i",
                        "--ignore-environment",
                        "-0",
                        "--null",
                        "-v",
                        "--debug",
                    ],
                    &["-u", "--unset", "-C", "--chdir"],
                ),
                "xargs" => skip_options(
                    &words,
                    i + 1,
                    &[
                        "-0",
                        "--null",
                        "-r",
                        "--no-run-if-empty",
                        "-t",
                        "--verbose",
                        "-p",
                        "--interactive",
                        "-x",
                        "--exit",
                        "-o",
                        "--open-tty",
                        "-i",
                        "-l",
                        "-e",
                    ],
                    &[
                        "-I",
                        "--replace",
                        "-L",
                        "--max-lines",
                        "-n",
                        "--max-args",
                        "-P",
                        "--max-procs",
                        "-s",
                        "--max-chars",
                        "-d",
                        "--delimiter",
                        "-E",
                        "--eof",
                        "-a",
                        "--arg-file",
                        "--process-slot-var",
                    ],
                ),
                _ => None,
            }
        };
        // A wrapper with nothing after it (`env`, `time`) is the command itself.
        match next {
            Some(n) if n < words.len() => i = n,
            _ => break,
        }
    }
    words
        .get(i)
        .map_or(command, |(start, _)| &command[*start..])
}

/// Words that only open or close a compound command; what follows them is
/// the program that runs.
const KEYWORDS: &[&str] = &[
    "{", "}", "!", "if", "then", "else", "elif", "do", "while", "until", "fi", "done", "esac",
];
/// Parts that are nothing but the end of a compound command.
const CLOSERS: &[&str] = &["}", "fi", "done", "esac"];

fn strip_keywords(mut part: &str) -> &str {
    loop {
        let (first, rest) = part.split_once(' ').unwrap_or((part, ""));
        if rest.is_empty() || !KEYWORDS.contains(&first) || CLOSERS.contains(&first) {
            return if KEYWORDS.contains(&part) && !CLOSERS.contains(&part) {
                ""
            } else {
                part
            };
        }
        part = rest;
    }
}

struct Heredoc {
    delimiter: String,
    /// Unquoted delimiters leave `$(...)` in the body live.
    expands: bool,
    strip_tabs: bool,
}

struct Splitter {
    chars: Vec<char>,
    pos: usize,
    out: Vec<String>,
    heredocs: Vec<Heredoc>,
}

impl Splitter {
    fn new(text: &str) -> Self {
        Self {
            chars: text.chars().collect(),
            pos: 0,
            out: Vec::new(),
            heredocs: Vec::new(),
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn take(&mut self, cur: &mut String, n: usize) {
        let end = (self.pos + n).min(self.chars.len());
        cur.extend(&self.chars[self.pos..end]);
        self.pos = end;
    }

    fn flush(&mut self, cur: &mut String) {
        let text = cur.trim();
        if !text.is_empty() {
            self.out.push(text.to_string());
        }
        cur.clear();
    }

    /// Commands up to `close` (consumed) or the end of the text.
    fn list(&mut self, close: Option<char>) {
        let mut cur = String::new();
        // Both flags describe what came just before the current character;
        // they are tracked instead of looked up in `cur` because a quoted or
        // escaped `>` or blank must not count.
        let mut word_start = true;
        let mut after_redirect = false;
        while let Some(c) = self.peek(0) {
            let at_word_start = std::mem::replace(&mut word_start, false);
            let redirect = std::mem::replace(&mut after_redirect, false);
            if Some(c) == close {
                self.pos += 1;
                break;
            }
            match c {
                '\\' if self.peek(1) == Some('\n') => {
                    self.pos += 2;
                    word_start = at_word_start;
                }
                '\\' => self.take(&mut cur, 2),
                '\'' => self.single_quoted(&mut cur),
                '$' if self.peek(1) == Some('\'') => self.ansi_c_quoted(&mut cur),
                '"' => {
                    self.take(&mut cur, 1);
                    self.expanding(&mut cur, Some('"'));
                }
                '`' => self.substitution(&mut cur, 1, '`'),
                '$' if self.peek(1) == Some('(') && self.peek(2) == Some('(') => {
                    self.arithmetic(&mut cur)
                }
                '$' | '<' | '>' if self.peek(1) == Some('(') => self.substitution(&mut cur, 2, ')'),
                '(' => {
                    self.flush(&mut cur);
                    self.pos += 1;
                    self.list(Some(')'));
                    word_start = true;
                }
                '#' if at_word_start => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                    word_start = true;
                }
                '&' | '|' if redirect => self.take(&mut cur, 1),
                '&' if self.peek(1) == Some('>') => self.take(&mut cur, 2),
                '&' | '|' | ';' | ')' | '\n' => {
                    self.flush(&mut cur);
                    let doubled = matches!(self.peek(1), Some('&' | '|' | ';')) && c != '\n';
                    self.pos += if doubled { 2 } else { 1 };
                    if c == '\n' {
                        self.heredoc_bodies();
                    }
                    word_start = true;
                }
                '<' if self.peek(1) == Some('<') && self.peek(2) == Some('<') => {
                    self.take(&mut cur, 3)
                }
                '<' if self.peek(1) == Some('<') => self.heredoc_start(&mut cur),
                c if c.is_whitespace() => {
                    if !cur.is_empty() && !cur.ends_with(' ') {
                        cur.push(' ');
                    }
                    self.pos += 1;
                    word_start = true;
                }
                _ => {
                    after_redirect = matches!(c, '<' | '>');
                    self.take(&mut cur, 1);
                }
            }
        }
        self.flush(&mut cur);
    }

    fn single_quoted(&mut self, cur: &mut String) {
        self.take(cur, 1);
        while let Some(c) = self.peek(0) {
            self.take(cur, 1);
            if c == '\'' {
                break;
            }
        }
    }

    /// `$'...'`, where a backslash can escape the closing quote.
    fn ansi_c_quoted(&mut self, cur: &mut String) {
        self.take(cur, 2);
        while let Some(c) = self.peek(0) {
            match c {
                '\\' => self.take(cur, 2),
                '\'' => return self.take(cur, 1),
                _ => self.take(cur, 1),
            }
        }
    }

    /// Text where only backslashes and substitutions mean anything: the
    /// inside of double quotes (`close` = `"`) or a here-document body.
    fn expanding(&mut self, cur: &mut String, close: Option<char>) {
        while let Some(c) = self.peek(0) {
            match c {
                _ if Some(c) == close => return self.take(cur, 1),
                '\\' => self.take(cur, 2),
                '`' => self.substitution(cur, 1, '`'),
                '$' if self.peek(1) == Some('(') && self.peek(2) == Some('(') => {
                    self.arithmetic(cur)
                }
                '$' if self.peek(1) == Some('(') => self.substitution(cur, 2, ')'),
                _ => self.take(cur, 1),
            }
        }
    }

    /// `$(...)`, backticks and `<(...)`: their commands become parts of their
    /// own, and their text stays in the command that uses them.
    fn substitution(&mut self, cur: &mut String, open: usize, close: char) {
        let start = self.pos;
        self.pos += open;
        self.list(Some(close));
        cur.extend(&self.chars[start..self.pos]);
    }

    /// `$((...))` computes a number, but may still hold substitutions.
    fn arithmetic(&mut self, cur: &mut String) {
        self.take(cur, 3);
        let mut depth = 0usize;
        while let Some(c) = self.peek(0) {
            match c {
                '$' if self.peek(1) == Some('(') && self.peek(2) != Some('(') => {
                    self.substitution(cur, 2, ')')
                }
                '`' => self.substitution(cur, 1, '`'),
                '(' => {
                    depth += 1;
                    self.take(cur, 1);
                }
                ')' if depth == 0 => {
                    let n = if self.peek(1) == Some(')') { 2 } else { 1 };
                    return self.take(cur, n);
                }
                ')' => {
                    depth -= 1;
                    self.take(cur, 1);
                }
                _ => self.take(cur, 1),
            }
        }
    }

    /// `<<WORD` or `<<-WORD`: the body starts after the next newline, and its
    /// lines are data, not commands (quotes and parentheses in it would
    /// otherwise throw the rest of the line off).
    fn heredoc_start(&mut self, cur: &mut String) {
        self.take(cur, 2);
        let strip_tabs = self.peek(0) == Some('-');
        if strip_tabs {
            self.take(cur, 1);
        }
        while self.peek(0).is_some_and(|c| c == ' ' || c == '\t') {
            self.pos += 1;
        }
        let mut delimiter = String::new();
        let mut expands = true;
        while let Some(c) = self.peek(0) {
            match c {
                '\'' | '"' => {
                    expands = false;
                    self.take(cur, 1);
                    while let Some(d) = self.peek(0) {
                        self.take(cur, 1);
                        if d == c {
                            break;
                        }
                        delimiter.push(d);
                    }
                }
                '\\' => {
                    expands = false;
                    self.take(cur, 1);
                    if let Some(d) = self.peek(0) {
                        delimiter.push(d);
                        self.take(cur, 1);
                    }
                }
                c if c.is_whitespace() || ";&|<>()".contains(c) => break,
                _ => {
                    delimiter.push(c);
                    self.take(cur, 1);
                }
            }
        }
        if !delimiter.is_empty() {
            self.heredocs.push(Heredoc {
                delimiter,
                expands,
                strip_tabs,
            });
        }
    }

    fn heredoc_bodies(&mut self) {
        for doc in std::mem::take(&mut self.heredocs) {
            let mut body = String::new();
            while self.pos < self.chars.len() {
                let start = self.pos;
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.pos += 1;
                }
                let line: String = self.chars[start..self.pos].iter().collect();
                if self.peek(0).is_some() {
                    self.pos += 1;
                }
                let bare = if doc.strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    &line
                };
                if bare == doc.delimiter {
                    break;
                }
                body.push_str(&line);
                body.push('\n');
            }
            if doc.expands {
                let mut inner = Splitter::new(&body);
                inner.expanding(&mut String::new(), None);
                self.out.append(&mut inner.out);
            }
        }
    }
}

/// The words of a simple command with their byte offsets, quotes removed.
fn words(command: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    let mut depth = 0usize;
    let mut chars = command.char_indices();
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() && depth == 0 {
            out.extend(cur.take());
            continue;
        }
        let word = &mut cur.get_or_insert_with(|| (i, String::new())).1;
        match c {
            '\'' => word.extend(chars.by_ref().map(|(_, d)| d).take_while(|&d| d != '\'')),
            '"' => {
                while let Some((_, d)) = chars.next() {
                    match d {
                        '"' => break,
                        '\\' => word.extend(chars.next().map(|(_, e)| e)),
                        _ => word.push(d),
                    }
                }
            }
            '\\' => word.extend(chars.next().map(|(_, d)| d)),
            '(' => {
                depth += 1;
                word.push(c);
            }
            ')' => {
                depth = depth.saturating_sub(1);
                word.push(c);
            }
            _ => word.push(c),
        }
    }
    out.extend(cur);
    out
}

fn is_assignment(word: &str) -> bool {
    let Some((name, _)) = word.split_once('=') else {
        return false;
    };
    let name = name.strip_suffix('+').unwrap_or(name);
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The index after a wrapper's options, or None at an option we do not know.
/// `with_value` options take the next word unless written `--opt=value` or
/// `-oVALUE`.
fn skip_options(
    words: &[(usize, String)],
    mut i: usize,
    flags: &[&str],
    with_value: &[&str],
) -> Option<usize> {
    while let Some((_, word)) = words.get(i) {
        let word = word.as_str();
        if word == "--" {
            return Some(i + 1);
        }
        if flags.contains(&word) {
            i += 1;
            continue;
        }
        if !word.starts_with('-') {
            break;
        }
        if with_value.contains(&word) {
            i += 2;
            continue;
        }
        let long_with_value = word.starts_with("--")
            && word
                .split_once('=')
                .is_some_and(|(name, _)| with_value.contains(&name));
        let short_with_value = !word.starts_with("--")
            && word.len() > 2
            && word.is_char_boundary(2)
            && with_value.contains(&&word[..2]);
        if long_with_value || short_with_value {
            i += 1;
            continue;
        }
        return None;
    }
    Some(i)
}

fn skip_nice(words: &[(usize, String)], i: usize) -> Option<usize> {
    // The old form `nice -10 cmd`.
    let numeric = words.get(i).is_some_and(|(_, w)| {
        w.strip_prefix('-')
            .map(|n| n.strip_prefix('-').unwrap_or(n))
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    });
    let i = if numeric { i + 1 } else { i };
    skip_options(words, i, &[], &["-n", "--adjustment"])
}

fn skip_timeout(words: &[(usize, String)], i: usize) -> Option<usize> {
    let i = skip_options(
        words,
        i,
        &[
            "--preserve-status",
            "--foreground",
            "-v",
            "--verbose",
            "-f",
            "-p",
        ],
        &["-s", "--signal", "-k", "--kill-after"],
    )?;
    let duration = &words.get(i)?.1;
    let number = duration.trim_end_matches(['s', 'm', 'h', 'd']);
    let is_duration = !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit() || c == '.')
        && number.chars().any(|c| c.is_ascii_digit());
    is_duration.then_some(i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // Commands come from the model, so any text must be judged, not panic.
        #[test]
        fn any_text_splits_without_panicking(command in r#"[a-z $()`'"\\;&|<>#{}=\n\t-]{0,40}"#) {
            for part in split_commands(&command) {
                prop_assert!(!part.is_empty());
                let _ = strip_wrappers(&part);
            }
        }
    }

    fn split(command: &str) -> Vec<String> {
        let mut parts = split_commands(command);
        parts.sort();
        parts
    }

    fn sorted(parts: &[&str]) -> Vec<String> {
        let mut parts: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
        parts.sort();
        parts
    }

    #[test]
    fn splits_on_every_operator() {
        assert_eq!(
            split("a && b || c; d | e & f\ng"),
            sorted(&["a", "b", "c", "d", "e", "f", "g"])
        );
        assert_eq!(split("a|&b;;c"), sorted(&["a", "b", "c"]));
    }

    #[test]
    fn quotes_and_escapes_hide_operators() {
        assert_eq!(split(r#"echo "a && b""#), vec![r#"echo "a && b""#]);
        assert_eq!(split("echo 'a; b' | wc"), sorted(&["echo 'a; b'", "wc"]));
        assert_eq!(split(r"echo a \; b"), vec![r"echo a \; b"]);
        assert_eq!(
            split(r#"echo "say \"x; y\"""#),
            vec![r#"echo "say \"x; y\"""#]
        );
    }

    #[test]
    fn ansi_c_quotes_do_not_end_at_an_escaped_quote() {
        assert_eq!(
            split(r"echo $'it\'s; fine' ; rm -rf /"),
            sorted(&[r"echo $'it\'s; fine'", "rm -rf /"])
        );
    }

    #[test]
    fn substitutions_are_parts_of_their_own() {
        assert_eq!(
            split("echo $(rm -rf /) done"),
            sorted(&["echo $(rm -rf /) done", "rm -rf /"])
        );
        assert_eq!(
            split("echo \"today: $(date +%F && whoami)\""),
            sorted(&[
                "echo \"today: $(date +%F && whoami)\"",
                "date +%F",
                "whoami"
            ])
        );
        assert_eq!(split("echo `id -u`"), sorted(&["echo `id -u`", "id -u"]));
        assert_eq!(
            split("diff <(ls a) <(ls b)"),
            sorted(&["diff <(ls a) <(ls b)", "ls a", "ls b"])
        );
        assert_eq!(
            split("echo $(( 1 + $(cat n) ))"),
            sorted(&["echo $(( 1 + $(cat n) ))", "cat n"])
        );
    }

    #[test]
    fn redirections_stay_in_the_command() {
        assert_eq!(
            split("cargo test 2>&1 | tail -5"),
            sorted(&["cargo test 2>&1", "tail -5"])
        );
        assert_eq!(split("make &> log && ls"), sorted(&["make &> log", "ls"]));
        assert_eq!(split("echo x >| out"), vec!["echo x >| out"]);
        assert_eq!(split("echo x > out &"), vec!["echo x > out"]);
        // An escaped `>` is a word, so the `&` after it is an operator.
        assert_eq!(
            split(r"echo \>&rm -rf /"),
            sorted(&[r"echo \>", "rm -rf /"])
        );
    }

    #[test]
    fn subshells_groups_and_keywords() {
        assert_eq!(
            split("(cd web && npm test)"),
            sorted(&["cd web", "npm test"])
        );
        assert_eq!(
            split("{ make; make install; }"),
            sorted(&["make", "make install"])
        );
        assert_eq!(
            split("if [ -f x ]; then rm x; else touch x; fi"),
            sorted(&["[ -f x ]", "rm x", "touch x"])
        );
        assert_eq!(
            split("for f in *.rs; do wc -l $f; done"),
            sorted(&["for f in *.rs", "wc -l $f"])
        );
    }

    #[test]
    fn comments_are_not_commands() {
        assert_eq!(split("ls # && rm -rf /"), vec!["ls"]);
        assert_eq!(split("ls #x\nrm y"), sorted(&["ls", "rm y"]));
        assert_eq!(split("echo a#b"), vec!["echo a#b"]);
        // An escaped blank does not start a word, so `#` is not a comment.
        assert_eq!(
            split(r"echo \ #; rm -rf /"),
            sorted(&[r"echo \ #", "rm -rf /"])
        );
    }

    #[test]
    fn here_document_bodies_are_data() {
        let command =
            "git commit -m \"$(cat <<'EOF'\nFix (don't panic); && rm\nEOF\n)\" && git push";
        let parts = split(command);
        assert!(parts.contains(&"git push".to_string()), "{parts:?}");
        assert!(parts.contains(&"cat <<'EOF'".to_string()), "{parts:?}");
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert!(parts.iter().all(|p| !p.starts_with("rm")), "{parts:?}");
    }

    #[test]
    fn unquoted_here_documents_still_run_substitutions() {
        let parts = split("cat <<EOF > out\nhello $(rm -rf ~)\nEOF\nls");
        assert_eq!(parts, sorted(&["cat <<EOF > out", "rm -rf ~", "ls"]));
    }

    #[test]
    fn blanks_collapse_outside_quotes_only() {
        assert_eq!(split("  git   diff\t--stat  "), vec!["git diff --stat"]);
        assert_eq!(split("echo 'a   b'"), vec!["echo 'a   b'"]);
        assert_eq!(split("npm \\\n  test"), vec!["npm test"]);
    }

    #[test]
    fn strips_assignments_and_wrappers() {
        assert_eq!(
            strip_wrappers("timeout 10 npm run test:unit"),
            "npm run test:unit"
        );
        assert_eq!(strip_wrappers("timeout -k 5 -s KILL 1.5m make"), "make");
        assert_eq!(
            strip_wrappers("RUST_LOG=debug A=\"x y\" cargo test"),
            "cargo test"
        );
        assert_eq!(
            strip_wrappers("nice -n 10 nohup time cargo build"),
            "cargo build"
        );
        assert_eq!(strip_wrappers("nice -5 make"), "make");
        assert_eq!(strip_wrappers("env -i PATH=/bin FOO=1 ls -la"), "ls -la");
        assert_eq!(strip_wrappers("command exec rm x"), "rm x");
        assert_eq!(strip_wrappers("xargs -0 -n 1 rm -f"), "rm -f");
        assert_eq!(
            strip_wrappers("xargs -I{} --max-procs=4 cp {} dst"),
            "cp {} dst"
        );
        assert_eq!(strip_wrappers("builtin cd src"), "cd src");
    }

    #[test]
    fn keeps_what_is_not_a_plain_wrapper() {
        assert_eq!(strip_wrappers("sudo rm -rf /"), "sudo rm -rf /");
        assert_eq!(strip_wrappers("env"), "env");
        assert_eq!(strip_wrappers("FOO=1"), "FOO=1");
        assert_eq!(strip_wrappers("command -v cargo"), "command -v cargo");
        assert_eq!(strip_wrappers("env -S 'rm -rf /'"), "env -S 'rm -rf /'");
        assert_eq!(
            strip_wrappers("timeout --bogus 5 make"),
            "timeout --bogus 5 make"
        );
        assert_eq!(strip_wrappers("timeout make"), "timeout make");
        assert_eq!(strip_wrappers("npm test"), "npm test");
        assert_eq!(strip_wrappers(""), "");
    }
}
