use super::*;
use proptest::prelude::*;

fn text(ls: &[&str]) -> String {
    ls.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn untouched_hunks_move_with_the_users_edits() {
    let base = text(&["a", "b", "c", "d"]);
    let agent = text(&["a", "b", "C", "d"]);
    let user = text(&["new", "a", "b", "c", "d"]);
    let r = review_text(&base, &agent, &user);
    assert_eq!(r.hunks.len(), 1);
    let h = &r.hunks[0];
    assert_eq!((h.state, h.start, h.len), (HunkState::Pending, 3, 1));
    assert_eq!(
        merged_text(&user, &r),
        text(&["new", "a", "b", "C", "d"]),
        "the user's line is kept and the agent's change lands on the moved line"
    );
}

#[test]
fn an_overlapping_user_edit_conflicts() {
    let base = text(&["a", "b", "c"]);
    let agent = text(&["a", "B", "c"]);
    let user = text(&["a", "b!", "c"]);
    let r = review_text(&base, &agent, &user);
    assert_eq!(r.hunks[0].state, HunkState::Conflicted);
    assert_eq!(merged_text(&user, &r), user, "a conflict is never applied");
}

#[test]
fn the_same_change_on_both_sides_is_settled() {
    let base = text(&["a", "b", "c"]);
    let agent = text(&["a", "B", "c", "d"]);
    let user = text(&["a", "B", "c"]);
    let r = review_text(&base, &agent, &user);
    assert_eq!(r.settled.len(), 1);
    assert_eq!(r.hunks.len(), 1);
    assert_eq!(
        (r.hunks[0].start, r.hunks[0].hunk.new_text.as_str()),
        (3, "d\n")
    );
}

#[test]
fn apply_and_reject_rebuild_texts_from_the_baseline() {
    let base = text(&["a", "b", "c", "d"]);
    let agent = text(&["A", "b", "c", "D"]);
    let hs = hunks(&base, &agent);
    assert_eq!(apply_hunks(&base, &[&hs[1]]), text(&["a", "b", "c", "D"]));
    assert_eq!(apply_hunks(&base, &[&hs[1], &hs[0]]), agent);
}

#[test]
fn ids_do_not_depend_on_position() {
    let base = text(&["a", "b", "c"]);
    let agent = text(&["a", "b", "C"]);
    let moved = text(&["x", "y", "a", "b", "c"]);
    let one = review_text(&base, &agent, &base);
    let two = review_text(&base, &agent, &moved);
    assert_eq!(one.hunks[0].id, two.hunks[0].id);
    assert_ne!(one.hunks[0].start, two.hunks[0].start);
}

/// One step of the interleaving: the user types, the agent revises its
/// proposal, or the user accepts or rejects a hunk.
#[derive(Debug, Clone)]
enum Step {
    UserInsert(usize),
    UserDelete(usize),
    UserReplace(usize),
    AgentInsert(usize),
    AgentDelete(usize),
    Accept(usize),
    Reject(usize),
}

fn step() -> impl Strategy<Value = Step> {
    let i = 0..64usize;
    prop_oneof![
        3 => i.clone().prop_map(Step::UserInsert),
        2 => i.clone().prop_map(Step::UserDelete),
        2 => i.clone().prop_map(Step::UserReplace),
        2 => i.clone().prop_map(Step::AgentInsert),
        2 => i.clone().prop_map(Step::AgentDelete),
        3 => i.clone().prop_map(Step::Accept),
        1 => i.prop_map(Step::Reject),
    ]
}

struct World {
    baseline: String,
    proposed: String,
    current: String,
    /// Lines the user typed and has not deleted: they must survive.
    typed: Vec<String>,
    /// Lines the user deleted: they must not come back.
    deleted: Vec<String>,
    fresh: usize,
}

impl World {
    fn label(&mut self, who: &str) -> String {
        self.fresh += 1;
        format!("{who}{}\n", self.fresh)
    }

    fn edit_current(&mut self, at: usize, remove: bool, insert: bool) {
        let mut ls: Vec<String> = lines(&self.current).into_iter().map(String::from).collect();
        let at = if ls.is_empty() {
            0
        } else {
            at % (ls.len() + usize::from(!remove))
        };
        if remove && at < ls.len() {
            let gone = ls.remove(at);
            self.typed.retain(|t| *t != gone);
            self.deleted.push(gone);
        }
        if insert {
            let l = self.label("U");
            ls.insert(at.min(ls.len()), l.clone());
            self.typed.push(l);
        }
        self.current = ls.concat();
    }

    fn edit_proposal(&mut self, at: usize, remove: bool) {
        let mut ls: Vec<String> = lines(&self.proposed)
            .into_iter()
            .map(String::from)
            .collect();
        if remove {
            if !ls.is_empty() {
                ls.remove(at % ls.len());
            }
        } else {
            let l = self.label("A");
            ls.insert(at % (ls.len() + 1), l);
        }
        self.proposed = ls.concat();
    }

    /// What the server does before showing hunks: fold settled ones.
    fn review(&mut self) -> TextReview {
        let r = review_text(&self.baseline, &self.proposed, &self.current);
        if r.settled.is_empty() {
            return r;
        }
        let settled: Vec<&Hunk> = r.settled.iter().collect();
        self.baseline = apply_hunks(&self.baseline, &settled);
        review_text(&self.baseline, &self.proposed, &self.current)
    }

    fn accept(&mut self, pick: usize) -> Result<(), TestCaseError> {
        let r = self.review();
        let pending: Vec<&ReviewHunk> = r
            .hunks
            .iter()
            .filter(|h| h.state == HunkState::Pending)
            .collect();
        if pending.is_empty() {
            return Ok(());
        }
        let h = pending[pick % pending.len()];
        let cur = lines(&self.current);
        let covered = cur[h.start.min(cur.len())..(h.start + h.len).min(cur.len())].concat();
        prop_assert_eq!(
            &covered,
            &h.hunk.old_text,
            "a pending hunk covers untouched lines"
        );
        self.current = replace_lines(&self.current, h.start, h.len, &h.hunk.new_text);
        self.baseline = apply_hunks(&self.baseline, &[&h.hunk]);
        self.check()
    }

    fn reject(&mut self, pick: usize) {
        let agent = hunks(&self.baseline, &self.proposed);
        if agent.is_empty() {
            return;
        }
        let drop = pick % agent.len();
        let keep: Vec<&Hunk> = agent
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != drop)
            .map(|(_, h)| h)
            .collect();
        self.proposed = apply_hunks(&self.baseline, &keep);
    }

    fn check(&self) -> Result<(), TestCaseError> {
        let cur = lines(&self.current);
        for t in &self.typed {
            prop_assert_eq!(
                cur.iter().filter(|l| **l == t.as_str()).count(),
                1,
                "typed line {:?} lost in {:?}",
                t,
                self.current
            );
        }
        for d in &self.deleted {
            prop_assert!(!cur.contains(&d.as_str()), "deleted {d:?} came back");
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Nothing the user types is ever lost, whatever the interleaving of
    /// user edits, agent revisions, accepts and rejects.
    #[test]
    fn every_user_edit_survives(
        base_lines in 0..25usize,
        agent in prop::collection::vec((any::<bool>(), 0..64usize), 0..8),
        steps in prop::collection::vec(step(), 0..40),
    ) {
        let base: String = (0..base_lines).map(|i| format!("L{i}\n")).collect();
        let mut w = World {
            baseline: base.clone(),
            proposed: base.clone(),
            current: base,
            typed: Vec::new(),
            deleted: Vec::new(),
            fresh: 0,
        };
        for (remove, at) in agent {
            w.edit_proposal(at, remove);
        }
        for s in steps {
            match s {
                Step::UserInsert(at) => w.edit_current(at, false, true),
                Step::UserDelete(at) => w.edit_current(at, true, false),
                Step::UserReplace(at) => w.edit_current(at, true, true),
                Step::AgentInsert(at) => w.edit_proposal(at, false),
                Step::AgentDelete(at) => w.edit_proposal(at, true),
                Step::Accept(pick) => w.accept(pick)?,
                Step::Reject(pick) => w.reject(pick),
            }
        }
        // Accept all: every pending hunk at once, as "Accept all" does.
        let r = w.review();
        w.current = merged_text(&w.current, &r);
        let accepted: Vec<&Hunk> = r
            .hunks
            .iter()
            .filter(|h| h.state == HunkState::Pending)
            .map(|h| &h.hunk)
            .collect();
        w.baseline = apply_hunks(&w.baseline, &accepted);
        w.check()?;
        let r = w.review();
        prop_assert!(
            r.hunks.iter().all(|h| h.state == HunkState::Conflicted),
            "after accept all only conflicts remain"
        );
    }
}
