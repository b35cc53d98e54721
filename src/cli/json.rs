//! Small JSON helpers shared by the commands.

use matcalc::Shape;
use serde_json::{json, Value};

/// A shape as `["m", "n"]`.
pub fn shape_json(s: Shape) -> Value {
    json!([s.rows.to_string(), s.cols.to_string()])
}
