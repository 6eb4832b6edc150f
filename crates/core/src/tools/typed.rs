//! Tools with a typed input: the struct the model's arguments parse into is
//! also where the schema the model sees comes from (its doc comments are the
//! field descriptions), so the two cannot drift apart and a tool file holds
//! only its input, its description and its run.
//!
//! The schemas go to the model on every request, as part of the fixed head
//! of the prompt: `input_schema` keeps only what a hand-written schema would
//! say (no `$schema`, titles, number formats or defaults).

use super::{Acts, Permission, Tool, ToolContext, ToolOutput, Touch, parse_input};
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A tool whose arguments are `Self::Input`. Every `TypedTool` is a `Tool`:
/// the arguments are parsed before `run` (invalid ones come back to the
/// model as "invalid arguments for NAME: …") and the schema is derived.
#[async_trait]
pub trait TypedTool: Send + Sync {
    type Input: DeserializeOwned + JsonSchema + Send;

    fn name(&self) -> &str;
    fn description(&self) -> &str;
    fn permission(&self) -> Permission;
    /// See [`Tool::answers_to`].
    fn answers_to(&self) -> &'static [&'static str] {
        &[]
    }
    /// See [`Tool::acts_on`].
    fn acts_on(&self) -> Acts {
        Acts::Other
    }
    // What a call touches or runs is asked before the input is checked
    // (rules judge a call before it runs, and tests ask with a partial
    // input), so these read the raw input: what it names, not whether it
    // is valid.
    /// See [`Tool::touches`].
    fn touches(&self, _input: &Value) -> Vec<Touch> {
        Vec::new()
    }
    /// See [`Tool::command`].
    fn command(&self, _input: &Value) -> Option<String> {
        None
    }
    /// See [`Tool::domain`].
    fn domain(&self, _input: &Value) -> Option<String> {
        None
    }
    /// See [`Tool::subject`]; None falls back to the touched paths.
    fn subject(&self, _input: &Value) -> Option<String> {
        None
    }
    async fn run(&self, input: Self::Input, ctx: &ToolContext) -> ToolOutput;
}

#[async_trait]
impl<T: TypedTool> Tool for T {
    fn name(&self) -> &str {
        TypedTool::name(self)
    }

    fn description(&self) -> &str {
        TypedTool::description(self)
    }

    fn schema(&self) -> Value {
        input_schema::<T::Input>()
    }

    fn permission(&self) -> Permission {
        TypedTool::permission(self)
    }

    fn answers_to(&self) -> &'static [&'static str] {
        TypedTool::answers_to(self)
    }

    fn acts_on(&self) -> Acts {
        TypedTool::acts_on(self)
    }

    fn touches(&self, input: &Value) -> Vec<Touch> {
        TypedTool::touches(self, input)
    }

    fn command(&self, input: &Value) -> Option<String> {
        TypedTool::command(self, input)
    }

    fn domain(&self, input: &Value) -> Option<String> {
        TypedTool::domain(self, input)
    }

    fn subject(&self, input: &Value) -> Option<String> {
        let own = TypedTool::subject(self, input);
        if own.is_some() {
            return own;
        }
        let paths: Vec<String> = Tool::touches(self, input)
            .into_iter()
            .filter(|t| t.access != super::Access::Search)
            .map(|t| t.path)
            .collect();
        (!paths.is_empty()).then(|| paths.join(", "))
    }

    async fn run(&self, input: Value, ctx: &ToolContext) -> ToolOutput {
        match parse_input::<T::Input>(TypedTool::name(self), input) {
            Ok(input) => TypedTool::run(self, input, ctx).await,
            Err(e) => e,
        }
    }
}

/// The JSON Schema of `T` as the model should see it: subschemas inlined,
/// and only the keys a hand-written schema has.
pub fn input_schema<T: JsonSchema>() -> Value {
    let settings = schemars::generate::SchemaSettings::draft2020_12().with(|s| {
        s.inline_subschemas = true;
        s.meta_schema = None;
    });
    let schema = settings.into_generator().into_root_schema_for::<T>();
    let mut value = schema.to_value();
    trim(&mut value);
    // The input struct's own doc comment is for readers of the code; the
    // model has the tool's description.
    if let Some(map) = value.as_object_mut() {
        map.remove("description");
    }
    value
}

/// Drop what schemars adds beyond a hand-written schema, in every nested
/// schema: titles, number formats, defaults, and the `null` of
/// an optional field (leaving it out is how the model says "none").
fn trim(value: &mut Value) {
    let Some(map) = value.as_object_mut() else {
        return;
    };
    for key in ["$schema", "title", "format", "default"] {
        map.remove(key);
    }
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            map.insert("type".into(), only);
        }
    }
    // An `Option<Enum>` becomes `anyOf: [{enum}, {type: null}]`.
    if let Some(Value::Array(any)) = map.get_mut("anyOf") {
        any.retain(|s| s.get("type").is_none_or(|t| t != "null"));
        if any.len() == 1 {
            let only = any.remove(0);
            map.remove("anyOf");
            if let Value::Object(inner) = only {
                map.extend(inner);
            }
        }
    }
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        for prop in props.values_mut() {
            trim(prop);
        }
    }
    if let Some(items) = map.get_mut("items") {
        trim(items);
    }
    if let Some(Value::Array(any)) = map.get_mut("anyOf") {
        any.iter_mut().for_each(trim);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    /// Field docs become descriptions; optional fields are not required.
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Example {
        path: String,
        /// How many lines
        limit: Option<u32>,
        #[serde(default)]
        all: bool,
    }

    #[test]
    fn the_schema_says_what_a_hand_written_one_would() {
        assert_eq!(
            input_schema::<Example>(),
            json!({
                "type": "object",
                "properties": {
                    "path": {"type": "string"},
                    "limit": {"type": "integer", "minimum": 0, "description": "How many lines"},
                    "all": {"type": "boolean"}
                },
                "required": ["path"],
                "additionalProperties": false
            })
        );
    }
}
