//! Merging the answers of the hooks that ran for one event. The strictest
//! answer wins, so adding a hook can only make Tandem more careful: any block
//! blocks, and a deny beats an ask, which beats an allow.

use super::{HookOutcome, HookPermission};

/// Combine per-hook outcomes, given in hook order (which is the order of
/// their contexts and errors in the result).
pub(super) fn combine(outcomes: impl IntoIterator<Item = HookOutcome>) -> HookOutcome {
    let mut all = HookOutcome::default();
    let mut blocked = Vec::new();
    let mut stop = Vec::new();
    for o in outcomes {
        blocked.extend(o.blocked);
        stop.extend(o.stop);
        all.permission = match (all.permission, o.permission) {
            (Some(a), Some(b)) => Some(if rank(b) > rank(a) { b } else { a }),
            (a, b) => a.or(b),
        };
        all.context.extend(o.context);
        all.errors.extend(o.errors);
        all.messages.extend(o.messages);
        if o.updated_input.is_some() {
            all.updated_input = o.updated_input;
        }
    }
    all.blocked = (!blocked.is_empty()).then(|| blocked.join("\n"));
    all.stop = (!stop.is_empty()).then(|| stop.join("\n"));
    all
}

fn rank(p: HookPermission) -> u8 {
    match p {
        HookPermission::Allow => 0,
        HookPermission::Ask => 1,
        HookPermission::Deny => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use HookPermission::*;

    fn with(permission: Option<HookPermission>) -> HookOutcome {
        HookOutcome {
            permission,
            ..Default::default()
        }
    }

    #[test]
    fn strictest_permission_wins_in_any_order() {
        let cases = [
            (vec![Some(Allow), Some(Ask)], Some(Ask)),
            (vec![Some(Ask), Some(Allow)], Some(Ask)),
            (vec![Some(Deny), Some(Ask), Some(Allow)], Some(Deny)),
            (vec![Some(Allow), None, Some(Deny)], Some(Deny)),
            (vec![None, Some(Allow)], Some(Allow)),
            (vec![None, None], None),
        ];
        for (given, want) in cases {
            let got = combine(given.iter().map(|p| with(*p))).permission;
            assert_eq!(got, want, "{given:?}");
        }
    }

    #[test]
    fn blocks_join_and_lists_keep_hook_order() {
        let a = HookOutcome {
            blocked: Some("first".into()),
            context: vec!["a".into()],
            errors: vec!["e1".into()],
            ..Default::default()
        };
        let b = HookOutcome {
            context: vec!["b".into()],
            stop: Some("halt".into()),
            ..Default::default()
        };
        let c = HookOutcome {
            blocked: Some("second".into()),
            errors: vec!["e2".into()],
            ..Default::default()
        };
        let all = combine([a, b, c]);
        assert_eq!(all.blocked.as_deref(), Some("first\nsecond"));
        assert_eq!(all.stop.as_deref(), Some("halt"));
        assert_eq!(all.context, ["a", "b"]);
        assert_eq!(all.errors, ["e1", "e2"]);
    }

    #[test]
    fn nothing_to_combine_is_the_default() {
        assert_eq!(combine([]), HookOutcome::default());
    }
}
