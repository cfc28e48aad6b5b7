//! `GET /api/v1/extensions.csv` and `POST /api/v1/extensions.csv`: extensions as a
//! spreadsheet, for moving a numbering plan in and out of the box.
//!
//! Export has no secrets. Import takes a header line naming any of the exported columns
//! (in any order; `number` required) plus an optional `secret` column; a row for a new number
//! needs a secret, a row for an existing number changes only the columns given (its secret is
//! kept when the cell is empty). The whole file is one transaction: the first bad cell answers
//! 400 with `line N: …` and `field`, and nothing is stored.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rotary_config::{validate_extension, Extension, ExtensionInput};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;

/// Columns of the export, in order (import accepts these plus `secret`).
pub(crate) const COLUMNS: [&str; 12] = [
    "number",
    "name",
    "max_contacts",
    "voicemail",
    "dtmf_mode",
    "codecs",
    "nat",
    "permit",
    "register_expiry",
    "qualify_interval",
    "remote",
    "record_calls",
];

/// Most rows one import may carry (the guide's largest model has 1,000 extensions).
const MAX_ROWS: usize = 10_000;

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ImportResult {
    /// New extensions.
    created: usize,
    /// Existing extensions changed.
    updated: usize,
}

/// Every extension as CSV (no secrets), ordered by number.
#[utoipa::path(
    operation_id = "export_extensions_csv",
    get, path = "/api/v1/extensions.csv", tag = "extensions",
    responses(
        (status = 200, description = "CSV with a header line", content_type = "text/csv",
         body = String),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role billing or user", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn export(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    caller.require_staff()?;
    let config = state.backend.config();
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for ext in config.extensions.values() {
        let cells = row(ext);
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            rotary_store::push_csv_field(&mut out, cell);
        }
        out.push('\n');
    }
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"extensions.csv\"",
        ),
    ];
    Ok((headers, out).into_response())
}

/// The export cells of one extension, in [`COLUMNS`] order.
fn row(ext: &Extension) -> [String; 12] {
    let join = |items: Vec<String>| items.join(";");
    [
        ext.number.to_string(),
        ext.name.clone(),
        ext.max_contacts.to_string(),
        ext.voicemail.to_string(),
        ext.dtmf_mode.name().to_owned(),
        join(ext.codecs.iter().map(|c| c.name().to_owned()).collect()),
        ext.nat.to_string(),
        join(ext.permit.iter().map(ToString::to_string).collect()),
        ext.register_expiry.to_string(),
        ext.qualify_interval.to_string(),
        ext.remote.to_string(),
        ext.record_calls.to_string(),
    ]
}

/// Create or change extensions from CSV, all or nothing.
#[utoipa::path(
    operation_id = "import_extensions_csv",
    post, path = "/api/v1/extensions.csv", tag = "extensions",
    request_body(content = String, content_type = "text/csv",
                 description = "Header line with `number` and any exported column, plus `secret`"),
    responses(
        (status = 200, description = "Stored", body = ImportResult),
        (status = 400, description = "A bad cell: `line N: …`, `field` names the column; \
                                      nothing stored", body = ErrorBody),
        (status = 401, description = "Not authenticated", body = ErrorBody),
        (status = 403, description = "Role may not change extensions", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub(crate) async fn import(
    State(state): State<AppState>,
    caller: Caller,
    body: String,
) -> Result<Json<ImportResult>, ApiError> {
    caller.require_staff()?;
    let rows = parse(&body)?;
    let result = state
        .with_store(move |store, backend| {
            let config = backend.config();
            let mut next = (*config).clone();
            let (mut created, mut updated) = (0, 0);
            for (line, input) in rows {
                let number = input.number.clone().unwrap_or_default();
                let at_line = |issues: &[rotary_config::ConfigIssue]| {
                    let mut e = ApiError::invalid(issues);
                    if let ApiError::BadRequest { message, .. } = &mut e {
                        *message = format!("line {line}: {message}");
                    }
                    e
                };
                let current = next.extension(&number).cloned();
                let ext = validate_extension(&input, current.as_ref(), &config.settings)
                    .map_err(|issues| at_line(&issues))?;
                if current.is_some() {
                    store.update_extension(&ext).map_err(ApiError::internal)?;
                    updated += 1;
                } else {
                    store.insert_extension(&ext).map_err(|_| {
                        bad(format!("line {line}: number {number} repeats"), "number")
                    })?;
                    created += 1;
                }
                next.extensions.insert(ext.number.clone(), ext);
            }
            backend.config_changed(Arc::new(next));
            Ok(ImportResult { created, updated })
        })
        .await?;
    state.metrics.record_config_write();
    tracing::info!(user = %caller.username, created = result.created, updated = result.updated,
                   "extensions imported from CSV");
    Ok(Json(result))
}

/// The rows of an import as API inputs with their line numbers; a cell that is not what its
/// column takes fails here, before anything is looked up.
fn parse(body: &str) -> Result<Vec<(u64, ExtensionInput)>, ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad(format!("line 1: {e}"), "file"))?
        .iter()
        .map(str::to_ascii_lowercase)
        .collect();
    if let Some(unknown) = headers
        .iter()
        .find(|h| *h != "secret" && !COLUMNS.contains(&h.as_str()))
    {
        return Err(bad(
            format!(
                "line 1: unknown column {unknown:?}; known: secret, {}",
                COLUMNS.join(", ")
            ),
            "file",
        ));
    }
    if !headers.iter().any(|h| h == "number") {
        return Err(bad("line 1: the header has no number column", "number"));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            bad(format!("line {line}: {e}"), "file")
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        if rows.len() == MAX_ROWS {
            return Err(bad(
                format!("line {line}: more than {MAX_ROWS} rows"),
                "file",
            ));
        }
        let mut input = ExtensionInput::default();
        for (column, cell) in headers.iter().zip(record.iter()) {
            set_cell(&mut input, column, cell)
                .map_err(|why| bad(format!("line {line}: {column} {why}"), column.as_str()))?;
        }
        rows.push((line, input));
    }
    Ok(rows)
}

/// Put one cell into the input; an empty cell leaves the field out (default or kept).
fn set_cell(input: &mut ExtensionInput, column: &str, cell: &str) -> Result<(), String> {
    if cell.is_empty() {
        return Ok(());
    }
    let list = || -> Vec<String> {
        cell.split([';', '|'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    match column {
        "number" => input.number = Some(cell.to_owned()),
        "name" => input.name = Some(cell.to_owned()),
        "secret" => input.secret = Some(cell.to_owned()),
        "max_contacts" => input.max_contacts = Some(integer(cell)?),
        "voicemail" => input.voicemail = Some(boolean(cell)?),
        "dtmf_mode" => input.dtmf_mode = Some(cell.to_owned()),
        "codecs" => input.codecs = Some(list()),
        "nat" => input.nat = Some(boolean(cell)?),
        "permit" => input.permit = Some(list()),
        "register_expiry" => input.register_expiry = Some(integer(cell)?),
        "qualify_interval" => input.qualify_interval = Some(integer(cell)?),
        "remote" => input.remote = Some(boolean(cell)?),
        "record_calls" => input.record_calls = Some(boolean(cell)?),
        _ => return Err("is not a column".into()),
    }
    Ok(())
}

/// A 400 with `message` naming `field`.
fn bad(message: impl Into<String>, field: impl Into<String>) -> ApiError {
    ApiError::bad_field(field, message)
}

fn integer(cell: &str) -> Result<i64, String> {
    cell.parse()
        .map_err(|_| format!("must be a whole number, not {cell:?}"))
}

fn boolean(cell: &str) -> Result<bool, String> {
    match cell.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Ok(true),
        "false" | "no" | "0" | "off" => Ok(false),
        _ => Err(format!("must be true or false, not {cell:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_inputs_with_their_lines() {
        let csv = "Number,name,secret,voicemail,codecs\n\
                   101,\"Smith, Ann\",Str0ng-Pass-1,yes,PCMU;opus\n\
                   102,Bob,,0,\n";
        let rows = parse(csv).expect("parses");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].1.name.as_deref(), Some("Smith, Ann"));
        assert_eq!(rows[0].1.voicemail, Some(true));
        assert_eq!(
            rows[0].1.codecs,
            Some(vec!["PCMU".to_owned(), "opus".to_owned()])
        );
        assert_eq!((rows[1].0, rows[1].1.secret.as_ref()), (3, None));
        assert_eq!(rows[1].1.voicemail, Some(false));
    }

    #[test]
    fn bad_files_name_the_line_and_column() {
        let e = |csv: &str| match parse(csv) {
            Err(ApiError::BadRequest { message, field, .. }) => {
                (message, field.unwrap_or_default())
            }
            other => panic!("expected a 400, got {other:?}"),
        };
        let (msg, field) = e("number,max_contacts\n101,2\n102,lots\n");
        assert!(msg.starts_with("line 3: max_contacts"), "{msg}");
        assert_eq!(field, "max_contacts");
        assert_eq!(e("number,colour\n101,red\n").1, "file");
        assert_eq!(e("name\nAnn\n").1, "number");
        let (msg, field) = e("number,name\n101,Ann\n102\n");
        assert!(msg.starts_with("line 3"), "{msg}");
        assert_eq!(field, "file");
        assert_eq!(e("number,nat\n101,maybe\n").1, "nat");
    }
}
