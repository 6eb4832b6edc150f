//! Is the process that owns a task still alive? A task left `running` by a
//! dead process was interrupted.

use super::meta::Owner;

/// This process.
pub fn me() -> Owner {
    let pid = std::process::id();
    Owner {
        pid,
        start: start_time(pid).unwrap_or(0),
    }
}

pub fn is_alive(owner: &Owner) -> bool {
    // A zombie has exited; its pid is only waiting to be reaped.
    match stat(owner.pid) {
        Some((state, start)) => state != 'Z' && state != 'X' && start == owner.start,
        None => false,
    }
}

pub fn start_time(pid: u32) -> Option<u64> {
    stat(pid).map(|(_, start)| start)
}

/// State letter and start time (clock ticks since boot) from
/// `/proc/PID/stat`. The command name may hold spaces and parentheses, so
/// fields are counted from the last `)`.
fn stat(pid: u32) -> Option<(char, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, starttime field 22 (1-based).
    let state = fields.first()?.chars().next()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((state, start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_dead_child_is_not() {
        assert!(is_alive(&me()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let owner = Owner {
            pid: child.id(),
            start: start_time(child.id()).unwrap_or(0),
        };
        child.wait().unwrap();
        assert!(!is_alive(&owner));
        let reused = Owner {
            pid: std::process::id(),
            start: me().start + 1,
        };
        assert!(!is_alive(&reused), "a reused pid must not count");
    }
}
