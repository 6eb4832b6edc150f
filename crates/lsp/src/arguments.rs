//! A command's first argument decoded into its type, or the
//! invalid-params error the editor shows. Shared by every command module.

use serde::Deserialize;
use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};

pub fn args<T: for<'de> Deserialize<'de>>(command: &str, arg: Value) -> Result<T> {
    serde_json::from_value(arg)
        .map_err(|e| Error::invalid_params(format!("bad arguments for {command}: {e}")))
}
