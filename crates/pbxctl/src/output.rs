//! Rendering of API answers: aligned tables and `key: value` records for people, raw JSON with
//! `--json`. Secrets are never printed (the API does not return them; this is a second guard).

use std::io::Write;

use serde_json::Value;

use crate::client::CliError;

/// Preferred table columns for `extension list`, in order.
pub(crate) const EXTENSION_COLUMNS: &[&str] = &[
    "number",
    "name",
    "max_contacts",
    "voicemail",
    "nat",
    "dtmf_mode",
    "codecs",
    "permit",
];
/// Preferred table columns for `registrations`.
pub(crate) const REGISTRATION_COLUMNS: &[&str] = &[
    "extension",
    "contact",
    "source",
    "transport",
    "user_agent",
    "expires_at",
];
/// Preferred table columns for `cdr list`.
pub(crate) const CDR_COLUMNS: &[&str] = &[
    "start",
    "answer",
    "end",
    "caller",
    "callee",
    "duration",
    "billsec",
    "disposition",
    "trunk",
    "call_id",
];

/// Preferred order of `settings show` (as the API documents them; unknown ones follow).
pub(crate) const SETTINGS_COLUMNS: &[&str] = &[
    "realm",
    "default_expiry",
    "min_expires",
    "max_expires",
    "qualify_interval",
    "qualify_timeout",
    "global_ring_time",
    "call_waiting",
    "max_concurrent_calls",
    "rtp_timeout",
    "digest_algorithms",
    "user_extension_range",
    "conference_range",
    "queue_range",
    "department_range",
    "paging_range",
    "ivr_range",
    "disa_range",
];

/// Keys never shown, whatever the server sends.
const HIDDEN: &[&str] = &["secret", "password", "password_hash"];

/// Where and how results are printed.
pub(crate) struct Out {
    json: bool,
}

impl Out {
    /// `json`: print raw JSON instead of human-readable output.
    pub(crate) fn new(json: bool) -> Self {
        Out { json }
    }

    /// Whether raw JSON was asked for (`--json`).
    pub(crate) fn is_json(&self) -> bool {
        self.json
    }

    /// A list of objects as a table with `preferred` columns (those present), or raw JSON.
    pub(crate) fn table(&mut self, value: &Value, preferred: &[&str]) -> Result<(), CliError> {
        if self.json {
            return self.raw(value);
        }
        let Some(rows) = value.as_array() else {
            return self.record(value, preferred);
        };
        let columns = columns(rows, preferred);
        let mut grid: Vec<Vec<String>> = Vec::with_capacity(rows.len() + 1);
        grid.push(columns.iter().map(|c| c.to_uppercase()).collect());
        for row in rows {
            grid.push(columns.iter().map(|c| cell(row.get(c.as_str()))).collect());
        }
        let text = render_grid(&grid);
        write_stdout(&text)
    }

    /// One object as aligned `key: value` lines (`preferred` keys first), or raw JSON.
    pub(crate) fn record(&mut self, value: &Value, preferred: &[&str]) -> Result<(), CliError> {
        if self.json {
            return self.raw(value);
        }
        let Some(obj) = value.as_object() else {
            return write_stdout(&format!("{}\n", cell(Some(value))));
        };
        let mut keys: Vec<&str> = preferred
            .iter()
            .copied()
            .filter(|k| obj.contains_key(*k))
            .collect();
        keys.extend(
            obj.keys()
                .map(String::as_str)
                .filter(|k| !preferred.contains(k)),
        );
        keys.retain(|k| !HIDDEN.contains(k));
        let width = keys.iter().map(|k| k.len()).max().unwrap_or(0) + 1;
        let mut text = String::new();
        for k in keys {
            let label = format!("{k}:");
            text.push_str(&format!("{label:<width$}  {}\n", cell(obj.get(k))));
        }
        write_stdout(&text)
    }

    /// A confirmation line for actions without a body (delete); nothing in JSON mode.
    pub(crate) fn message(&mut self, text: &str) -> Result<(), CliError> {
        if self.json {
            return Ok(());
        }
        write_stdout(&format!("{text}\n"))
    }

    /// The health answer: its `status` word, or raw JSON.
    pub(crate) fn status(&mut self, value: &Value) -> Result<(), CliError> {
        if self.json {
            return self.raw(value);
        }
        let status = value.get("status").and_then(Value::as_str).unwrap_or("ok");
        write_stdout(&format!("{status}\n"))
    }

    fn raw(&mut self, value: &Value) -> Result<(), CliError> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| CliError::Local(format!("cannot print JSON: {e}")))?;
        write_stdout(&format!("{text}\n"))
    }
}

/// The columns to show: the preferred ones that occur in some row, else the first row's keys.
fn columns(rows: &[Value], preferred: &[&str]) -> Vec<String> {
    let present = |c: &str| rows.iter().any(|r| r.get(c).is_some());
    let mut cols: Vec<String> = preferred
        .iter()
        .filter(|c| present(c))
        .map(|c| (*c).to_owned())
        .collect();
    if cols.is_empty() {
        if let Some(obj) = rows.first().and_then(Value::as_object) {
            cols = obj
                .keys()
                .filter(|k| !HIDDEN.contains(&k.as_str()))
                .cloned()
                .collect();
        } else if rows.is_empty() {
            cols = preferred.iter().map(|c| (*c).to_owned()).collect();
        }
    }
    cols
}

/// A JSON value as table text: arrays comma-joined, null as `-`.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "-".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => if *b { "yes" } else { "no" }.to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| cell(Some(v)))
            .collect::<Vec<_>>()
            .join(","),
        Some(obj @ Value::Object(_)) => obj.to_string(),
    }
}

/// Left-align every column to its widest cell, two spaces apart, no trailing blanks.
fn render_grid(grid: &[Vec<String>]) -> String {
    let ncols = grid.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..ncols)
        .map(|i| {
            grid.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    for row in grid {
        let mut line = String::new();
        for (i, c) in row.iter().enumerate() {
            line.push_str(c);
            if i + 1 < row.len() {
                let pad = widths[i].saturating_sub(c.chars().count()) + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// Write to stdout; a closed pipe (`pbxctl … | head`) is not an error worth reporting.
fn write_stdout(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Local(format!("cannot write output: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_aligns_columns_and_hides_secrets() {
        let rows = json!([
            {"number":"101","name":"Alice","codecs":["PCMU","opus"],"secret":"x"},
            {"number":"1002","name":null,"codecs":[]}
        ]);
        let rows = rows.as_array().unwrap();
        let cols = columns(rows, &["number", "name", "codecs", "secret_missing"]);
        assert_eq!(cols, ["number", "name", "codecs"]);
        let mut grid = vec![cols.iter().map(|c| c.to_uppercase()).collect::<Vec<_>>()];
        for r in rows {
            grid.push(cols.iter().map(|c| cell(r.get(c.as_str()))).collect());
        }
        assert_eq!(
            render_grid(&grid),
            "NUMBER  NAME   CODECS\n101     Alice  PCMU,opus\n1002    -\n"
        );
    }

    #[test]
    fn unknown_shapes_fall_back_to_first_row_keys() {
        let rows = json!([{"b":1,"a":true,"password":"p"}]);
        let cols = columns(rows.as_array().unwrap(), &["x"]);
        assert_eq!(cols, ["a", "b"]);
    }
}
