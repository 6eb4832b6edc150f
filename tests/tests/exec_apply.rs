//! `tandem exec --apply` as a commit: a `kill -9` at any moment leaves each
//! file old or new, never half-written; a file the user edited while the run
//! worked is merged with their edit, or refused when the edits overlap, and
//! never overwritten.

use serde_json::json;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, tandem_command};

const FILES: usize = 400;

fn name(i: usize) -> String {
    format!("src/m{:03}/f{i:03}.txt", i % 20)
}

/// A file's text; an in-place write killed after it truncated the file
/// leaves it empty or short.
fn text(i: usize, version: &str) -> String {
    format!("{version} {i}: {}\n", "x".repeat(60)).repeat(8)
}

/// A folder in memory when there is one: syncing each file (for power
/// cuts, not kills) costs milliseconds on a busy disk, and the trials
/// must fit in seconds.
fn scratch() -> tempfile::TempDir {
    match tempfile::tempdir_in("/dev/shm") {
        Ok(d) => d,
        Err(_) => tempfile::tempdir().unwrap(),
    }
}

fn exec(home: &Path, repo: &Path) -> Command {
    let mut cmd = tandem_command(home);
    cmd.arg("exec").arg("-C").arg(repo);
    cmd
}

fn write_old(repo: &Path) {
    for i in 0..FILES {
        let p = repo.join(name(i));
        if std::fs::read(&p).ok().as_deref() != Some(text(i, "old").as_bytes()) {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text(i, "old")).unwrap();
        }
    }
}

/// How many files are new; panics on any file neither old nor new. Removes
/// temporary files a kill left (counted in `leftovers`).
fn check(repo: &Path, what: &str, leftovers: &mut usize) -> usize {
    let mut new = 0;
    for i in 0..FILES {
        let got = std::fs::read_to_string(repo.join(name(i))).unwrap();
        if got == text(i, "new") {
            new += 1;
        } else {
            assert_eq!(got, text(i, "old"), "{what}: {} is half-written", name(i));
        }
    }
    // A kill between a temporary file's creation and its rename leaves it
    // behind, under a name that says whose it is.
    for dir in std::fs::read_dir(repo.join("src")).unwrap() {
        for e in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let e = e.unwrap();
            let n = e.file_name().to_string_lossy().into_owned();
            if n.ends_with(".txt") {
                continue;
            }
            assert!(
                n.starts_with(".f") && n.ends_with(".tandem-tmp"),
                "{what}: {n}"
            );
            std::fs::remove_file(e.path()).unwrap();
            *leftovers += 1;
        }
    }
    new
}

#[test]
fn kill_9_at_any_moment_leaves_every_file_old_or_new() {
    const TRIALS: usize = 200;
    const WORKERS: usize = 4;
    let home = scratch();
    let repo = scratch();
    write_old(repo.path());
    // One model turn proposes a new version of every file, in one patch (400
    // calls would make each trial's run before the apply long); recorded
    // once, then replayed by every trial.
    let mut patch = String::from("*** Begin Patch\n");
    for i in 0..FILES {
        patch.push_str(&format!("*** Update File: {}\n@@\n", name(i)));
        for (old, new) in text(i, "old").lines().zip(text(i, "new").lines()) {
            patch.push_str(&format!("-{old}\n+{new}\n"));
        }
    }
    patch.push_str("*** End Patch");
    let turn = Turn::new().tool_use("apply_patch", json!({ "patch": patch }));
    let model = ScriptedServer::start(Script::new().turn(turn).turn(Turn::say("rewrote all")));
    let recording = home.path().join("run.jsonl");
    let out = exec(home.path(), repo.path())
        .args([
            "--provider",
            "anthropic",
            "--model",
            "m",
            "-c",
            "model.api_key=\"k\"",
        ])
        .args(["--base-url", &model.url(), "--json", "--record"])
        .arg(&recording)
        .arg("rewrite")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let replay = |home: &Path, repo: &Path| {
        let mut cmd = exec(home, repo);
        cmd.args(["--apply", "--json", "--replay"])
            .arg(&recording)
            .arg("rewrite")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    };

    // When the apply starts and ends here, to kill around it.
    let started = Instant::now();
    let mut child = replay(home.path(), repo.path()).spawn().unwrap();
    let wait_new = |i: usize| {
        let p = repo.path().join(name(i));
        while std::fs::read(&p).unwrap_or_default() != text(i, "new").as_bytes() {
            std::thread::sleep(Duration::from_micros(200));
        }
        started.elapsed()
    };
    let (from, to) = (wait_new(0), wait_new(FILES - 1));
    assert!(child.wait().unwrap().success());
    assert_eq!(check(repo.path(), "a whole apply", &mut 0), FILES);
    let (from, to) = (from.as_micros() as u64, to.as_micros() as u64);
    // Kills at random around the apply. Four runs at once on a shared
    // machine move it, so each worker follows it: a kill that found every
    // file old was too early, one that found every file new too late.
    let width = (to - from).max(5_000);
    let began = Instant::now();
    let results: Vec<(usize, usize)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                let replay = &replay;
                scope.spawn(move || {
                    let (home, repo) = (scratch(), scratch());
                    let mut seed = (began.elapsed().as_nanos() as u64 | 1) ^ (w as u64) << 32;
                    let (mut mixed, mut leftovers) = (0, 0);
                    let mut center = (from + to) / 2;
                    for trial in 0..TRIALS / WORKERS {
                        write_old(repo.path());
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        let delay = (center + seed % (2 * width)).saturating_sub(width);
                        let mut child = replay(home.path(), repo.path()).spawn().unwrap();
                        std::thread::sleep(Duration::from_micros(delay));
                        let _ = child.kill(); // SIGKILL
                        let _ = child.wait();
                        let what = format!("worker {w} trial {trial}, kill -9 at {delay} µs");
                        let new = check(repo.path(), &what, &mut leftovers);
                        match new {
                            0 => center += width / 2,
                            FILES => center = center.saturating_sub(width / 2),
                            _ => mixed += 1,
                        }
                    }
                    (mixed, leftovers)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mixed: usize = results.iter().map(|r| r.0).sum();
    let leftovers: usize = results.iter().map(|r| r.1).sum();
    eprintln!(
        "{TRIALS} trials in {:?}; alone the apply ran from {from} µs to {to} µs; {mixed} kills landed inside it, {leftovers} temporary files left",
        began.elapsed()
    );
    assert!(
        mixed >= TRIALS / 10,
        "only {mixed} of {TRIALS} kills landed inside the apply: the test proves little"
    );
}

fn apply_during_edit(user_edit: &str) -> (std::process::Output, tempfile::TempDir) {
    // The model edits greet's line; then, before its last turn, it thinks
    // for a while, and the user saves their own edit in the meantime.
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("read", json!({"path": "src/greet.py"})))
            .turn(Turn::new().tool_use(
                "edit",
                json!({
                    "path": "src/greet.py",
                    "old_string": "\"Hello, \" + name",
                    "new_string": "f\"Hello, {name}\""
                }),
            ))
            .turn(Turn::say("Used an f-string.").latency_ms(1500)),
    );
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let child = exec(home.path(), repo.path())
        .args(["--apply", "--provider", "anthropic", "--model", "m"])
        .args(["--base-url", &model.url(), "-c", "model.api_key=\"k\""])
        .arg("Use an f-string")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(30);
    while model.requests().len() < 3 {
        assert!(
            Instant::now() < until,
            "the run never reached its last turn"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let path = repo.path().join("src/greet.py");
    let before = std::fs::read_to_string(&path).unwrap();
    let (old, new) = user_edit.split_once(" => ").unwrap();
    assert!(before.contains(old), "{before}");
    std::fs::write(&path, before.replacen(old, new, 1)).unwrap();
    (child.wait_with_output().unwrap(), repo)
}

#[test]
fn a_user_edit_during_the_run_is_merged_not_overwritten() {
    let (out, repo) = apply_during_edit("def farewell(name): => def farewell(name):  # mine");
    assert!(out.status.success(), "{}", describe(&out));
    let greet = std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap();
    assert!(greet.contains("return f\"Hello, {name}\"\n"), "{greet}");
    assert!(greet.contains("def farewell(name):  # mine"), "{greet}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("written   src/greet.py (merged with your edits since the run read it)"),
        "{text}"
    );
    assert!(text.contains("Applied to your files."), "{text}");
}

#[test]
fn a_conflicting_user_edit_during_the_run_is_refused_and_kept() {
    let (out, repo) = apply_during_edit("\"Hello, \" + name => \"Hi, \" + name  # mine");
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let greet = std::fs::read_to_string(repo.path().join("src/greet.py")).unwrap();
    assert!(greet.contains("\"Hi, \" + name  # mine"), "{greet}");
    assert!(!greet.contains("f\"Hello"), "{greet}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "refused   src/greet.py: your edits since the run read it overlap its change at line 2"
        ),
        "{text}"
    );
    assert!(
        text.contains("Applied 0 of 1 files to your files (1 refused)"),
        "{text}"
    );
    // The diff is still printed, so the change is not lost.
    assert!(text.contains("+    return f\"Hello, {name}\""), "{text}");
}
