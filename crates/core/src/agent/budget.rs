//! The cost cap of a run (`--max-cost`, `agent.max_cost`, `tasks.max_cost`):
//! the run ends after the model call (or the sub-agents) that brought the
//! running cost to the cap. A cap on a model without a price cannot be
//! enforced, and the user is told so rather than left to trust it.

/// Dollars as the faces show them: cents, or four places below a cent.
pub fn dollars(usd: f64) -> String {
    if usd != 0.0 && usd.abs() < 0.01 {
        format!("${usd:.4}")
    } else {
        format!("${usd:.2}")
    }
}

/// Why the run ends, when `spent` reached `cap`.
pub fn reached(cap: Option<f64>, spent: Option<f64>) -> Option<String> {
    let (cap, spent) = (cap?, spent?);
    (spent >= cap).then(|| {
        format!(
            "budget: the cost cap of {} was reached ({} spent)",
            dollars(cap),
            dollars(spent)
        )
    })
}

/// The warning for a cap that cannot be enforced: the cost is unknown.
pub fn unenforceable(cap: f64, model: &str) -> String {
    format!(
        "the cost cap of {} cannot be enforced: the price of `{model}` is not known (set it under [models.\"{model}\"] input and output, USD per million tokens)",
        dollars(cap)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_is_reached_at_or_over_it() {
        assert_eq!(reached(None, Some(5.0)), None);
        assert_eq!(reached(Some(0.5), None), None);
        assert_eq!(reached(Some(0.5), Some(0.49)), None);
        assert_eq!(
            reached(Some(0.5), Some(0.52)).as_deref(),
            Some("budget: the cost cap of $0.50 was reached ($0.52 spent)")
        );
        assert_eq!(dollars(0.0006), "$0.0006");
        assert_eq!(dollars(0.0), "$0.00");
    }
}
