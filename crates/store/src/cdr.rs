//! Call detail records: one row per call, written at hang-up, queried and exported by the
//! API (`GET /api/v1/cdr`, `GET /api/v1/cdr.csv`).
//!
//! Times are unix milliseconds, UTC, stored as integers so `from`/`to` filters are exact and
//! indexable; exports render them as RFC 3339 (`2024-05-01T12:00:00.250Z`).

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Row};

use crate::{Store, StoreError};

/// The header line of the CSV export: interface.md's columns, then the routing columns
/// added after them (call type, DID, route, PIN).
pub const CSV_HEADER: &str = "start,answer,end,caller,callee,duration,billsec,disposition,\
trunk,call_id,recording,call_type,did,route,pin";

/// How a call ended, with the conventional CDR spellings (`ANSWERED`, `NO ANSWER`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// Answered and bridged.
    Answered,
    /// Rang without an answer (timeout or caller hung up first).
    NoAnswer,
    /// The callee was busy (486/600).
    Busy,
    /// Failed: no route, unreachable, rejected, error.
    Failed,
    /// No capacity (all trunks or channels in use, 503).
    Congestion,
}

impl Disposition {
    /// Every disposition.
    pub const ALL: [Disposition; 5] = [
        Disposition::Answered,
        Disposition::NoAnswer,
        Disposition::Busy,
        Disposition::Failed,
        Disposition::Congestion,
    ];

    /// The stored and exported text.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Answered => "ANSWERED",
            Disposition::NoAnswer => "NO ANSWER",
            Disposition::Busy => "BUSY",
            Disposition::Failed => "FAILED",
            Disposition::Congestion => "CONGESTION",
        }
    }
}

impl FromStr for Disposition {
    type Err = UnknownDisposition;

    /// Accepts the stored text, case-insensitively, and `NO_ANSWER` for query strings.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.replace('_', " ");
        Disposition::ALL
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(&s))
            .ok_or(UnknownDisposition)
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A disposition text that is none of ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown disposition (expected ANSWERED, NO ANSWER, BUSY, FAILED or CONGESTION)")]
pub struct UnknownDisposition;

/// One call record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CdrRecord {
    /// Row id; `None` before [`Store::insert_cdr`], ignored by it.
    pub id: Option<i64>,
    /// When the call arrived, unix ms.
    pub start_unix_ms: i64,
    /// When it was answered, unix ms; `None` if never.
    pub answer_unix_ms: Option<i64>,
    /// When it ended, unix ms.
    pub end_unix_ms: i64,
    /// Calling number (extension or external caller ID).
    pub caller: String,
    /// Dialled number.
    pub callee: String,
    /// Seconds from start to end.
    pub duration: u32,
    /// Seconds from answer to end (0 if unanswered).
    pub billsec: u32,
    /// How the call ended.
    pub disposition: Disposition,
    /// Stable call-failure code (e.g. `route.no_match`), if it failed.
    pub cause: Option<String>,
    /// Trunk used, for external calls.
    pub trunk: Option<String>,
    /// Call-ID of the inbound leg.
    pub call_id: String,
    /// Call-ID of the outbound leg, if one was created.
    pub peer_call_id: Option<String>,
    /// Recording file, relative to the data directory.
    pub recording: Option<String>,
    /// `internal`, `inbound` or `outbound`.
    pub call_type: String,
    /// The number dialled from outside, for inbound calls.
    pub did: Option<String>,
    /// The inbound, direct or outbound route that decided.
    pub route: Option<String>,
    /// The PIN (its label, else its code) keyed for a PIN-protected route.
    pub pin: Option<String>,
}

/// Filters for [`Store::query_cdr`] and [`Store::write_cdr_csv`]. The default matches
/// everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CdrQuery {
    /// Only calls that started at or after this instant (unix ms).
    pub from_unix_ms: Option<i64>,
    /// Only calls that started before this instant (unix ms, exclusive).
    pub to_unix_ms: Option<i64>,
    /// Only calls where this exact number is the caller or the callee.
    pub number: Option<String>,
    /// Only calls with this disposition.
    pub disposition: Option<Disposition>,
    /// At most this many rows; `None` = all (the API should always set one).
    pub limit: Option<u32>,
    /// Skip this many rows first (paging).
    pub offset: u32,
}

impl Store {
    /// Appends a call record; returns its id. One transaction, synced before returning.
    pub fn insert_cdr(&mut self, cdr: &CdrRecord) -> Result<i64, StoreError> {
        let tx = self.write_tx()?;
        tx.prepare_cached(
            r#"INSERT INTO cdr (start, answer, "end", caller, callee, duration, billsec,
                   disposition, cause, trunk, call_id, peer_call_id, recording,
                   call_type, did, route, pin)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,
                       ?14, ?15, ?16, ?17)"#,
        )?
        .execute(params![
            cdr.start_unix_ms,
            cdr.answer_unix_ms,
            cdr.end_unix_ms,
            cdr.caller,
            cdr.callee,
            cdr.duration,
            cdr.billsec,
            cdr.disposition.as_str(),
            cdr.cause,
            cdr.trunk,
            cdr.call_id,
            cdr.peer_call_id,
            cdr.recording,
            cdr.call_type,
            cdr.did,
            cdr.route,
            cdr.pin,
        ])?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// The record with row id `id` (recording downloads look the file up through it).
    pub fn get_cdr(&self, id: i64) -> Result<Option<CdrRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            r#"SELECT id, start, answer, "end", caller, callee, duration, billsec, disposition,
                      cause, trunk, call_id, peer_call_id, recording, call_type, did, route, pin
               FROM cdr WHERE id = ?1"#,
        )?;
        let mut rows = stmt.query([id])?;
        match rows.next()? {
            Some(row) => decode(row).map(Some),
            None => Ok(None),
        }
    }

    /// Records matching `query`, newest first (by start, then id).
    pub fn query_cdr(&self, query: &CdrQuery) -> Result<Vec<CdrRecord>, StoreError> {
        let mut out = Vec::new();
        self.each_cdr(query, |cdr| {
            out.push(cdr);
            Ok(())
        })?;
        Ok(out)
    }

    /// Writes the records matching `query` as CSV: the [`CSV_HEADER`] line, then one line per
    /// call, newest first, lines ending in `\n`. Times are RFC 3339 UTC; absent values are
    /// empty. Fields are quoted per RFC 4180 when needed, and text that a spreadsheet would
    /// run as a formula (`=`, `@`, or `+`/`-` not followed by a plain number) gets a leading
    /// `'`. Streams row by row; returns the number of records written.
    pub fn write_cdr_csv(&self, query: &CdrQuery, out: &mut impl Write) -> Result<u64, StoreError> {
        writeln!(out, "{CSV_HEADER}").map_err(StoreError::Write)?;
        let mut count = 0;
        self.each_cdr(query, |c| {
            let fields = [
                format_unix_ms(c.start_unix_ms),
                c.answer_unix_ms.map(format_unix_ms).unwrap_or_default(),
                format_unix_ms(c.end_unix_ms),
                c.caller,
                c.callee,
                c.duration.to_string(),
                c.billsec.to_string(),
                c.disposition.as_str().to_owned(),
                c.trunk.unwrap_or_default(),
                c.call_id,
                c.recording.unwrap_or_default(),
                c.call_type,
                c.did.unwrap_or_default(),
                c.route.unwrap_or_default(),
                c.pin.unwrap_or_default(),
            ];
            let mut line = String::new();
            for (i, field) in fields.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                push_csv_field(&mut line, field);
            }
            line.push('\n');
            out.write_all(line.as_bytes()).map_err(StoreError::Write)?;
            count += 1;
            Ok(())
        })?;
        out.flush().map_err(StoreError::Write)?;
        Ok(count)
    }

    /// Runs `query` and hands each record to `f`, without collecting them.
    fn each_cdr(
        &self,
        query: &CdrQuery,
        mut f: impl FnMut(CdrRecord) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut sql = String::from(
            r#"SELECT id, start, answer, "end", caller, callee, duration, billsec, disposition,
                      cause, trunk, call_id, peer_call_id, recording, call_type, did, route, pin
               FROM cdr WHERE 1 = 1"#,
        );
        let mut args: Vec<Value> = Vec::new();
        if let Some(from) = query.from_unix_ms {
            args.push(Value::Integer(from));
            sql.push_str(&format!(" AND start >= ?{}", args.len()));
        }
        if let Some(to) = query.to_unix_ms {
            args.push(Value::Integer(to));
            sql.push_str(&format!(" AND start < ?{}", args.len()));
        }
        if let Some(number) = &query.number {
            args.push(Value::Text(number.clone()));
            let n = args.len();
            sql.push_str(&format!(" AND (caller = ?{n} OR callee = ?{n})"));
        }
        if let Some(d) = query.disposition {
            args.push(Value::Text(d.as_str().to_owned()));
            sql.push_str(&format!(" AND disposition = ?{}", args.len()));
        }
        // LIMIT -1 is SQLite's "no limit", needed when only OFFSET is given.
        args.push(Value::Integer(query.limit.map_or(-1, i64::from)));
        args.push(Value::Integer(i64::from(query.offset)));
        sql.push_str(&format!(
            " ORDER BY start DESC, id DESC LIMIT ?{} OFFSET ?{}",
            args.len() - 1,
            args.len()
        ));
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(args))?;
        while let Some(row) = rows.next()? {
            f(decode(row)?)?;
        }
        Ok(())
    }
}

/// Renders unix milliseconds as RFC 3339 UTC with milliseconds, e.g.
/// `2024-05-01T12:00:00.250Z`; used for CDR exports so the API and CSV agree.
#[must_use]
pub fn format_unix_ms(unix_ms: i64) -> String {
    let secs = unix_ms.div_euclid(1000);
    let ms = unix_ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Appends one CSV field, neutralized against formula injection and quoted if needed.
pub fn push_csv_field(line: &mut String, field: &str) {
    let mut value = String::with_capacity(field.len() + 1);
    if looks_like_formula(field) {
        value.push('\'');
    }
    value.push_str(field);
    if value.contains([',', '"', '\r', '\n']) {
        line.push('"');
        line.push_str(&value.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(&value);
    }
}

/// Whether a spreadsheet would evaluate `field`: starts with `=`, `@`, tab or CR, or with
/// `+`/`-` without being a dialable number such as `+15551234`.
fn looks_like_formula(field: &str) -> bool {
    match field.chars().next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !field[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '*' | '#')),
        _ => false,
    }
}

fn decode(row: &Row<'_>) -> Result<CdrRecord, StoreError> {
    let id: i64 = row.get(0)?;
    let disposition: String = row.get(8)?;
    let disposition = disposition
        .parse()
        .map_err(|e| StoreError::corrupt("cdr", id.to_string(), e))?;
    Ok(CdrRecord {
        id: Some(id),
        start_unix_ms: row.get(1)?,
        answer_unix_ms: row.get(2)?,
        end_unix_ms: row.get(3)?,
        caller: row.get(4)?,
        callee: row.get(5)?,
        duration: row.get(6)?,
        billsec: row.get(7)?,
        disposition,
        cause: row.get(9)?,
        trunk: row.get(10)?,
        call_id: row.get(11)?,
        peer_call_id: row.get(12)?,
        recording: row.get(13)?,
        call_type: row.get(14)?,
        did: row.get(15)?,
        route: row.get(16)?,
        pin: row.get(17)?,
    })
}
