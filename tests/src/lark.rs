//! Which texts a Lark grammar accepts, for the grammar Tandem sends with a
//! freeform tool (`apply_patch`'s): no Python here, so the grammar is read
//! into one regular expression. That works for the part of Lark a
//! non-recursive grammar uses: rules and terminals, string literals,
//! `/regex/` terminals, `( )`, `[ ]`, `|`, `?`, `*`, `+`, `-> alias` and
//! `%import common.LF`. Anything else (recursion, `%ignore`, flags,
//! priorities) is an error, so a grammar this cannot read is never taken as
//! accepting. What is checked is the language the grammar defines: a text
//! matches when some derivation produces it, as with Lark's Earley parser
//! and OpenAI's constrained sampling.

use regex::Regex;
use std::collections::BTreeMap;

/// A grammar read into a regular expression of its `start` rule.
pub struct Grammar {
    regex: Regex,
}

impl Grammar {
    pub fn new(definition: &str) -> Result<Self, String> {
        let mut rules: BTreeMap<String, Vec<Token>> = BTreeMap::new();
        for (n, line) in definition.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with("//") || line.starts_with('#') {
                continue;
            }
            if let Some(import) = line.strip_prefix("%import ") {
                match import.trim() {
                    "common.LF" => rules.insert("LF".into(), vec![Token::Literal("\n".into())]),
                    other => return Err(format!("line {}: cannot import {other}", n + 1)),
                };
                continue;
            }
            let (name, body) = line
                .split_once(':')
                .ok_or_else(|| format!("line {}: expected `name: ...`", n + 1))?;
            let name = name.trim().trim_start_matches(['?', '!']);
            let tokens = tokenize(body).map_err(|e| format!("line {}: {e}", n + 1))?;
            if rules.insert(name.to_string(), tokens).is_some() {
                return Err(format!("line {}: {name} defined twice", n + 1));
            }
        }
        let mut stack = Vec::new();
        let start = expand("start", &rules, &mut stack)?;
        let regex = Regex::new(&format!(r"\A(?:{start})\z")).map_err(|e| e.to_string())?;
        Ok(Grammar { regex })
    }

    pub fn accepts(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(String),
    Regex(String),
    Name(String),
    Punct(char),
}

fn tokenize(body: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {}
            '"' => {
                let mut s = String::new();
                loop {
                    match chars.next().ok_or("unterminated string")? {
                        '"' => break,
                        '\\' => match chars.next().ok_or("unterminated string")? {
                            'n' => s.push('\n'),
                            't' => s.push('\t'),
                            other => s.push(other),
                        },
                        other => s.push(other),
                    }
                }
                if chars.peek() == Some(&'i') {
                    return Err("string flags are not read".into());
                }
                out.push(Token::Literal(s));
            }
            '/' => {
                let mut s = String::new();
                loop {
                    match chars.next().ok_or("unterminated regex")? {
                        '/' => break,
                        '\\' => {
                            let next = chars.next().ok_or("unterminated regex")?;
                            if next != '/' {
                                s.push('\\');
                            }
                            s.push(next);
                        }
                        other => s.push(other),
                    }
                }
                if chars.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                    return Err("regex flags are not read".into());
                }
                out.push(Token::Regex(s));
            }
            '-' if chars.peek() == Some(&'>') => {
                // `-> alias` names the tree node: nothing to match.
                chars.next();
                while chars.peek() == Some(&' ') {
                    chars.next();
                }
                while chars
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    chars.next();
                }
            }
            '(' | ')' | '[' | ']' | '|' | '?' | '*' | '+' => out.push(Token::Punct(c)),
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut s = String::from(c);
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_alphanumeric() || n == '_' {
                        s.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(Token::Name(s));
            }
            other => return Err(format!("`{other}` is not read")),
        }
    }
    Ok(out)
}

fn expand(
    name: &str,
    rules: &BTreeMap<String, Vec<Token>>,
    stack: &mut Vec<String>,
) -> Result<String, String> {
    if stack.iter().any(|s| s == name) {
        return Err(format!("{name} is recursive: not a regular grammar"));
    }
    let tokens = rules
        .get(name)
        .ok_or_else(|| format!("{name} is not defined"))?;
    stack.push(name.to_string());
    let mut pos = 0;
    let re = alternatives(tokens, &mut pos, rules, stack)?;
    if pos != tokens.len() {
        return Err(format!("{name}: unexpected {:?}", tokens[pos]));
    }
    stack.pop();
    Ok(re)
}

fn alternatives(
    t: &[Token],
    pos: &mut usize,
    rules: &BTreeMap<String, Vec<Token>>,
    stack: &mut Vec<String>,
) -> Result<String, String> {
    let mut alts = vec![sequence(t, pos, rules, stack)?];
    while t.get(*pos) == Some(&Token::Punct('|')) {
        *pos += 1;
        alts.push(sequence(t, pos, rules, stack)?);
    }
    Ok(format!("(?:{})", alts.join("|")))
}

fn sequence(
    t: &[Token],
    pos: &mut usize,
    rules: &BTreeMap<String, Vec<Token>>,
    stack: &mut Vec<String>,
) -> Result<String, String> {
    let mut out = String::new();
    while let Some(token) = t.get(*pos) {
        let atom = match token {
            Token::Punct('|' | ')' | ']') => break,
            Token::Literal(s) => regex::escape(s),
            Token::Regex(r) => format!("(?:{r})"),
            Token::Name(n) => expand(n, rules, stack)?,
            Token::Punct(open @ ('(' | '[')) => {
                *pos += 1;
                let inner = alternatives(t, pos, rules, stack)?;
                let close = if *open == '(' { ')' } else { ']' };
                if t.get(*pos) != Some(&Token::Punct(close)) {
                    return Err(format!("expected `{close}`"));
                }
                if *open == '[' {
                    format!("{inner}?")
                } else {
                    inner
                }
            }
            Token::Punct(other) => return Err(format!("unexpected `{other}`")),
        };
        *pos += 1;
        out.push_str(&format!("(?:{atom})"));
        if let Some(Token::Punct(op @ ('?' | '*' | '+'))) = t.get(*pos) {
            out.push(*op);
            *pos += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_subset_and_refuses_the_rest() {
        let g = Grammar::new(
            "start: greeting (\",\" NAME)+ [\"!\"] LF?\ngreeting: \"hi\" | \"hello\" -> hello\nNAME: /[a-z]+/\n%import common.LF\n",
        )
        .unwrap();
        for ok in ["hi,bob", "hello,a,b!\n", "hi,x!"] {
            assert!(g.accepts(ok), "{ok:?}");
        }
        for bad in ["hi", "hey,bob", "hi,Bob", "hi,bob!!", "hi,bob\n\n"] {
            assert!(!g.accepts(bad), "{bad:?}");
        }
        assert!(
            Grammar::new("start: a\na: \"x\" a?\n").is_err(),
            "recursion"
        );
        assert!(Grammar::new("start: b\n").is_err(), "undefined");
        assert!(Grammar::new("start: \"x\"\n%ignore \" \"\n").is_err());
        assert!(Grammar::new("start: /x/i\n").is_err(), "flags");
    }
}
