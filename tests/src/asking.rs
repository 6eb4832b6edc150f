//! A model that asks the user something: the scripts the question tests of
//! every face share (`lsp_questions`, the Neovim and VS Code tests).

use crate::scripted::{Script, Turn};
use serde_json::json;

/// `ask_user` with one question ("Which database should the cache use?",
/// header "Database", options sqlite and postgres, each described), then
/// `answer` as the model's last word.
pub fn which_database(answer: &str) -> Script {
    Script::new()
        .turn(Turn::new().tool_use(
            "ask_user",
            json!({"questions": [{
                "question": "Which database should the cache use?",
                "header": "Database",
                "options": [
                    {"label": "sqlite", "description": "a file next to the app"},
                    {"label": "postgres", "description": "the team's server"}
                ],
                "multiSelect": false
            }]}),
        ))
        .turn(Turn::say(answer))
}
