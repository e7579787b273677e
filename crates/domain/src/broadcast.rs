//! Broadcasts: one approved template to a segment of customers. The rules here are pure: which
//! customers a segment names, where each template parameter's value comes from and whether the
//! given ones fit the template, why a recipient is skipped, the cost of a send by category, and
//! how many recipients may go now under a number's rate and its messaging tier.

use crate::template::{ParameterFormat, Slot};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Who a broadcast goes to, as typed after `--to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Segment {
    /// Contacts with this label (`label:vip`).
    Label { name: String },
    /// Conversations of this queue (`queue:Sales`).
    Queue { name: String },
    /// Customers whose last message to the number arrived between two UTC days, both included
    /// (`wrote:2026-11-01..2026-11-30`): `from` is the first second, `until` the first second
    /// after the range.
    Wrote { from: i64, until: i64 },
    /// A CSV file of numbers (`csv:PATH`), read by the client: the engine may be elsewhere.
    Csv { path: String },
}

/// Why a segment or a parameter was refused, in words the admin can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BroadcastError {
    #[error(
        "segment {0:?} is not one of label:NAME, queue:NAME, wrote:YYYY-MM-DD..YYYY-MM-DD, csv:PATH"
    )]
    Segment(String),
    #[error(
        "{0:?} is not a day range: wrote:YYYY-MM-DD..YYYY-MM-DD, the first day not after the last"
    )]
    Days(String),
    #[error(
        "parameter {0:?} is not KEY=SOURCE (1=contact.name, name=csv.first_name, 2=literal text)"
    )]
    Param(String),
    #[error("parameter {0} is given twice")]
    ParamTwice(String),
    #[error(
        "parameter {key} reads {field:?}, which a contact does not have: contact.name or contact.phone"
    )]
    ContactField { key: String, field: String },
    #[error("the template takes {expected} parameter(s) ({slots}); {given} given")]
    ParamCount {
        expected: usize,
        given: usize,
        slots: String,
    },
    #[error("the template has no parameter {key}; it has: {slots}")]
    ParamUnknown { key: String, slots: String },
    #[error(
        "parameter {key} reads CSV column {column:?}, which the file does not have (it has: {columns})"
    )]
    NoColumn {
        key: String,
        column: String,
        columns: String,
    },
    #[error("parameter {0} reads a CSV column, but the segment is not a CSV file")]
    CsvOnly(String),
    #[error(
        "the CSV file has no phone column (one of: phone, number, wa_id, whatsapp, teléfono, \
         telefono, celular, móvil, movil)"
    )]
    NoPhoneColumn,
    #[error("the CSV file is empty")]
    EmptyCsv,
    #[error("the CSV file could not be read: {0}")]
    BadCsv(String),
}

impl Segment {
    pub fn parse(text: &str) -> Result<Segment, BroadcastError> {
        let bad = || BroadcastError::Segment(text.to_string());
        let (kind, rest) = text.split_once(':').ok_or_else(bad)?;
        let rest = rest.trim();
        if rest.is_empty() {
            return Err(bad());
        }
        match kind.trim().to_ascii_lowercase().as_str() {
            "label" => Ok(Segment::Label { name: rest.into() }),
            "queue" => Ok(Segment::Queue { name: rest.into() }),
            "csv" => Ok(Segment::Csv { path: rest.into() }),
            "wrote" => {
                let days = || BroadcastError::Days(rest.to_string());
                let (a, b) = rest.split_once("..").ok_or_else(days)?;
                let from = day_start(a).ok_or_else(days)?;
                let last = day_start(b).ok_or_else(days)?;
                if last < from {
                    return Err(days());
                }
                Ok(Segment::Wrote {
                    from,
                    until: last + 86_400,
                })
            }
            _ => Err(bad()),
        }
    }
}

/// The first second of a UTC day written `YYYY-MM-DD`.
fn day_start(text: &str) -> Option<i64> {
    let date: jiff::civil::Date = text.trim().parse().ok()?;
    let zoned = date.to_zoned(jiff::tz::TimeZone::UTC).ok()?;
    Some(zoned.timestamp().as_second())
}

/// A contact's field a parameter can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactField {
    /// The profile name the customer chose (or the CSV's name), as stored.
    Name,
    /// Their phone number (`wa_id`).
    Phone,
}

/// Where a parameter's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", content = "value", rename_all = "snake_case")]
pub enum ParamSource {
    Contact(ContactField),
    Csv(String),
    Literal(String),
}

/// `--param KEY=SOURCE`: a template placeholder and where its value comes from. With positional
/// placeholders the key is the placeholder's number among the template's (header first, then
/// body, then URL buttons, from 1); with named ones, its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamSpec {
    pub key: String,
    pub source: ParamSource,
}

impl ParamSpec {
    pub fn parse(raw: &str) -> Result<ParamSpec, BroadcastError> {
        let (key, source) = raw
            .split_once('=')
            .ok_or_else(|| BroadcastError::Param(raw.to_string()))?;
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(BroadcastError::Param(raw.to_string()));
        }
        let source = match source.trim() {
            "contact.name" => ParamSource::Contact(ContactField::Name),
            "contact.phone" | "contact.wa_id" => ParamSource::Contact(ContactField::Phone),
            s if s.starts_with("csv.") && s.len() > 4 => ParamSource::Csv(s[4..].to_string()),
            // A typo of a field would go to every customer as it is written, as literal text.
            s if s.starts_with("contact.") => {
                return Err(BroadcastError::ContactField {
                    key: key.to_string(),
                    field: s.to_string(),
                });
            }
            _ => ParamSource::Literal(source.to_string()),
        };
        Ok(ParamSpec {
            key: key.to_string(),
            source,
        })
    }
}

/// Orders the given parameters as the template's slots: one source per slot, no more, no
/// less. `columns`: the CSV's columns when the segment is one (a `csv.` source must name one).
pub fn check_params(
    slots: &[Slot],
    format: ParameterFormat,
    params: &[ParamSpec],
    columns: Option<&[String]>,
) -> Result<Vec<ParamSource>, BroadcastError> {
    let slot_list = || {
        if slots.is_empty() {
            "none".to_string()
        } else {
            slots.iter().map(Slot::label).collect::<Vec<_>>().join(", ")
        }
    };
    for (i, p) in params.iter().enumerate() {
        if params[..i].iter().any(|q| q.key == p.key) {
            return Err(BroadcastError::ParamTwice(p.key.clone()));
        }
        if let ParamSource::Csv(column) = &p.source {
            let Some(columns) = columns else {
                return Err(BroadcastError::CsvOnly(p.key.clone()));
            };
            if !columns.iter().any(|c| c.eq_ignore_ascii_case(column)) {
                return Err(BroadcastError::NoColumn {
                    key: p.key.clone(),
                    column: column.clone(),
                    columns: columns.join(", "),
                });
            }
        }
    }
    if params.len() != slots.len() {
        return Err(BroadcastError::ParamCount {
            expected: slots.len(),
            given: params.len(),
            slots: slot_list(),
        });
    }
    let mut ordered = Vec::with_capacity(slots.len());
    for (i, slot) in slots.iter().enumerate() {
        let key = match format {
            ParameterFormat::Positional => (i + 1).to_string(),
            ParameterFormat::Named => slot.key.clone(),
        };
        let Some(p) = params.iter().find(|p| p.key == key) else {
            let unknown = params
                .iter()
                .find(|p| match format {
                    ParameterFormat::Positional => p
                        .key
                        .parse::<usize>()
                        .map_or(true, |n| n == 0 || n > slots.len()),
                    ParameterFormat::Named => !slots.iter().any(|s| s.key == p.key),
                })
                .map(|p| p.key.clone())
                .unwrap_or(key);
            return Err(BroadcastError::ParamUnknown {
                key: unknown,
                slots: slot_list(),
            });
        };
        ordered.push(p.source.clone());
    }
    Ok(ordered)
}

/// What one recipient's values are read from.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecipientFacts<'a> {
    pub name: Option<&'a str>,
    pub phone: Option<&'a str>,
    /// Their CSV row by column name (lower case), when the segment is a CSV file.
    pub row: Option<&'a HashMap<String, String>>,
}

/// The values of one recipient's parameters, in slot order, as `template::TemplateParam` reads
/// them (`name=value` for named placeholders). Err: the slot whose value is missing (an empty
/// cell, a contact without a name): that recipient is skipped, not sent a hole.
pub fn render(
    sources: &[ParamSource],
    slots: &[Slot],
    format: ParameterFormat,
    facts: RecipientFacts<'_>,
) -> Result<Vec<String>, String> {
    let mut out = Vec::with_capacity(sources.len());
    for (source, slot) in sources.iter().zip(slots) {
        let value = match source {
            ParamSource::Literal(v) => Some(v.clone()),
            ParamSource::Contact(ContactField::Name) => facts.name.map(str::to_string),
            ParamSource::Contact(ContactField::Phone) => facts.phone.map(str::to_string),
            ParamSource::Csv(column) => facts
                .row
                .and_then(|r| r.get(&column.to_ascii_lowercase()))
                .cloned(),
        };
        let Some(value) = value
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
        else {
            return Err(slot.label());
        };
        out.push(match format {
            ParameterFormat::Positional => value,
            ParameterFormat::Named => format!("{}={value}", slot.key),
        });
    }
    Ok(out)
}

/// A CSV file's rows, parsed by the client (RFC 4180: quoted fields, doubled quotes, commas and
/// line breaks inside quotes; a spreadsheet's `;` or tab between fields is recognised too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvRows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The line of the file each row starts on (1 is the header), to say where a bad row is.
    #[serde(default)]
    pub lines: Vec<u64>,
}

/// The names a CSV's phone column may have.
/// Spanish ones too: the inbox speaks Spanish, and so do its users' spreadsheets.
pub const PHONE_COLUMNS: [&str; 9] = [
    "phone",
    "number",
    "wa_id",
    "whatsapp",
    "teléfono",
    "telefono",
    "celular",
    "móvil",
    "movil",
];

impl CsvRows {
    pub fn parse(text: &str) -> Result<CsvRows, BroadcastError> {
        let text = text.trim_start_matches('\u{feff}');
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter(text))
            .from_reader(text.as_bytes());
        let mut records = Vec::new();
        let mut lines = LineCounter::new(text);
        for record in reader.records() {
            // The text is a `str` and rows may differ in length: nothing here can fail, but a
            // reader's error is still an error, not a row lost.
            let record = record.map_err(|e| BroadcastError::BadCsv(e.to_string()))?;
            let line = record
                .position()
                .map_or(0, |p| lines.line_at(p.byte() as usize));
            let fields: Vec<String> = record.iter().map(str::to_string).collect();
            if fields.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            records.push((line, fields));
        }
        if records.is_empty() {
            return Err(BroadcastError::EmptyCsv);
        }
        let (_, header) = records.remove(0);
        let (lines, rows) = records.into_iter().unzip();
        let csv = CsvRows {
            columns: header.into_iter().map(|c| c.trim().to_string()).collect(),
            rows,
            lines,
        };
        csv.phone_column()?;
        Ok(csv)
    }

    pub fn phone_column(&self) -> Result<usize, BroadcastError> {
        self.columns
            .iter()
            .position(|c| PHONE_COLUMNS.contains(&c.to_lowercase().as_str()))
            .ok_or(BroadcastError::NoPhoneColumn)
    }

    /// One row by lower-case column name.
    pub fn row_map(&self, row: &[String]) -> HashMap<String, String> {
        self.columns
            .iter()
            .zip(row)
            .map(|(c, v)| (c.to_ascii_lowercase(), v.clone()))
            .collect()
    }

    /// The line row `index` starts on, when the file said (a client before lines were kept
    /// sends none).
    pub fn line(&self, index: usize) -> Option<u64> {
        self.lines.get(index).copied()
    }
}

/// The line a record starts on. The reader's own count is where it stood when the record began:
/// before the line breaks ahead of it (the `\n` of a `\r\n`, blank lines), so it is one short
/// after either; the record's first character is past them.
struct LineCounter<'a> {
    text: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    /// Records come in order, so each count goes on from the last.
    fn line_at(&mut self, byte: usize) -> u64 {
        let rest = self.text.get(byte..).unwrap_or_default();
        let start = byte
            + rest
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        let between = self.text.get(self.at..start).unwrap_or_default();
        self.line += between.iter().filter(|b| **b == b'\n').count() as u64;
        self.at = start.max(self.at);
        self.line
    }
}

/// The header line's separator: whichever of `,`, `;` (a spreadsheet set to a language that
/// writes decimals with a comma) and tab it has most of outside quotes; a comma on a tie or
/// with none.
fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let mut quoted = false;
    let outside: String = header
        .chars()
        .filter(|c| {
            if *c == '"' {
                quoted = !quoted;
            }
            !quoted
        })
        .collect();
    let count = |c| outside.matches(c).count();
    [',', ';', '\t']
        .into_iter()
        .max_by_key(|c| (count(*c), *c == ','))
        .filter(|c| count(*c) > 0)
        .map_or(b',', |c| c as u8)
}

/// A phone number as typed in a CSV (`+591 71-000 019`) as WhatsApp's digits, or none when it
/// is not one.
pub fn phone_digits(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let allowed = raw
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'));
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    (allowed && (8..=15).contains(&digits.len()) && !digits.starts_with('0')).then_some(digits)
}

/// Why a recipient is not sent the broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Opted out of marketing (a stop word, or an agent).
    OptedOut,
    /// Blocked on the sending number.
    Blocked,
    /// Named twice in the CSV file: sent once.
    Duplicate,
    /// The CSV's phone is not a phone number.
    InvalidPhone,
    /// A parameter would be empty.
    MissingParameter,
}

impl SkipReason {
    pub const ALL: [SkipReason; 5] = [
        SkipReason::OptedOut,
        SkipReason::Blocked,
        SkipReason::Duplicate,
        SkipReason::InvalidPhone,
        SkipReason::MissingParameter,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::OptedOut => "opted_out",
            SkipReason::Blocked => "blocked",
            SkipReason::Duplicate => "duplicate",
            SkipReason::InvalidPhone => "invalid_phone",
            SkipReason::MissingParameter => "missing_parameter",
        }
    }

    pub fn parse(s: &str) -> Option<SkipReason> {
        SkipReason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Meta's price list by template category, from the config's `[pricing]` (read as this type:
/// an unknown key there is refused, a missing one is no price).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pricing {
    pub currency: Option<String>,
    pub marketing: Option<f64>,
    pub utility: Option<f64>,
    pub authentication: Option<f64>,
}

impl Pricing {
    /// The price of one template of `category` (Meta's MARKETING, UTILITY, AUTHENTICATION).
    pub fn price(&self, category: &str) -> Option<f64> {
        match category.to_ascii_uppercase().as_str() {
            "MARKETING" => self.marketing,
            "UTILITY" => self.utility,
            "AUTHENTICATION" => self.authentication,
            _ => None,
        }
    }

    /// What `recipients` templates of `category` cost: none when no price is configured.
    pub fn cost(&self, category: &str, recipients: usize) -> Option<f64> {
        self.price(category)
            .map(|p| (p * recipients as f64 * 10_000.0).round() / 10_000.0)
    }
}

/// Meta's error for a customer who got their share of marketing templates today.
pub const MARKETING_LIMIT_ERROR: i64 = 131_049;

/// A messaging tier as `phone_number_quality_update`'s `current_limit` names it (`TIER_1K`):
/// unique customers outside their window per rolling 24 hours; none for unlimited or unknown.
pub fn tier_from_limit(limit: &str) -> Option<Option<u64>> {
    let t = limit.trim().to_ascii_uppercase();
    let n = t.strip_prefix("TIER_")?;
    if n == "UNLIMITED" {
        return Some(None);
    }
    let (digits, scale) = match n.strip_suffix('K') {
        Some(d) => (d, 1_000),
        None => (n, 1),
    };
    digits.parse::<u64>().ok().map(|d| Some(d * scale))
}

/// A quality update that must stop broadcasts: Meta lowered the number's limit, or flagged
/// its quality (`DOWNGRADE`, `FLAGGED`), or rated it YELLOW or RED.
pub fn quality_falls(event: Option<&str>, rating: Option<&str>) -> bool {
    let event = event.unwrap_or_default().to_ascii_uppercase();
    let rating = rating.unwrap_or_default().to_ascii_uppercase();
    matches!(event.as_str(), "DOWNGRADE" | "FLAGGED") || matches!(rating.as_str(), "YELLOW" | "RED")
}

/// How many recipients may be queued now. `rate_per_second`: the broadcast's pace on its
/// number; `since_last_feed`: seconds since its number was last fed (capped, so a long pause
/// never becomes a burst); `tier`: the number's unique customers outside their window per 24 h
/// (none: unlimited); `used_24h`: how many of those it reached in the last 24 hours.
pub fn allowance(
    rate_per_second: u32,
    since_last_feed: f64,
    tier: Option<u64>,
    used_24h: u64,
) -> Allowance {
    let by_rate = (rate_per_second as f64 * since_last_feed.clamp(0.0, 1.0)).floor() as usize;
    let outside_window = match tier {
        Some(t) => t.saturating_sub(used_24h) as usize,
        None => usize::MAX,
    };
    Allowance {
        total: by_rate,
        outside_window,
    }
}

/// The room `allowance` gives: `total` recipients, at most `outside_window` of them with their
/// service window closed (a recipient whose window is open does not count against the tier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub total: usize,
    pub outside_window: usize,
}

/// Whether the broadcast stops itself for Meta's marketing limit: `threshold` failures with
/// 131049 among its recipients (zero: never).
pub fn marketing_limit_reached(failures: u64, threshold: u64) -> bool {
    threshold > 0 && failures >= threshold
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Part;

    fn body(keys: &[&str]) -> Vec<Slot> {
        keys.iter()
            .map(|k| Slot {
                part: Part::Body,
                key: k.to_string(),
            })
            .collect()
    }

    #[test]
    fn segments_parse_and_wrong_ones_say_what_is_allowed() {
        assert_eq!(
            Segment::parse("label:vip").unwrap(),
            Segment::Label { name: "vip".into() }
        );
        assert_eq!(
            Segment::parse("queue:Sales").unwrap(),
            Segment::Queue {
                name: "Sales".into()
            }
        );
        assert_eq!(
            Segment::parse("csv:/tmp/a b.csv").unwrap(),
            Segment::Csv {
                path: "/tmp/a b.csv".into()
            }
        );
        // 2026-11-01T00:00:00Z = 1_793_491_200; both days included.
        assert_eq!(
            Segment::parse("wrote:2026-11-01..2026-11-02").unwrap(),
            Segment::Wrote {
                from: 1_793_491_200,
                until: 1_793_491_200 + 2 * 86_400
            }
        );
        assert!(matches!(
            Segment::parse("wrote:2026-11-05..2026-11-01"),
            Err(BroadcastError::Days(_))
        ));
        assert!(matches!(
            Segment::parse("wrote:2026-13-01..2026-11-01"),
            Err(BroadcastError::Days(_))
        ));
        assert!(matches!(
            Segment::parse("everyone"),
            Err(BroadcastError::Segment(_))
        ));
        assert!(matches!(
            Segment::parse("label:"),
            Err(BroadcastError::Segment(_))
        ));
    }

    #[test]
    fn params_name_a_source_or_are_literal() {
        let p = ParamSpec::parse("1=contact.name").unwrap();
        assert_eq!(p.source, ParamSource::Contact(ContactField::Name));
        let p = ParamSpec::parse("first=csv.first_name").unwrap();
        assert_eq!(p.source, ParamSource::Csv("first_name".into()));
        let p = ParamSpec::parse("2=20% off = today").unwrap();
        assert_eq!(p.source, ParamSource::Literal("20% off = today".into()));
        assert!(ParamSpec::parse("no equals").is_err());
        assert!(ParamSpec::parse("a b=x").is_err());
        // A contact field that does not exist is refused, not sent as its own words.
        assert_eq!(
            ParamSpec::parse("code=contact.bogus"),
            Err(BroadcastError::ContactField {
                key: "code".into(),
                field: "contact.bogus".into()
            })
        );
    }

    #[test]
    fn params_must_fit_the_template_exactly() {
        let slots = body(&["1", "2"]);
        let p = |raw: &str| ParamSpec::parse(raw).unwrap();
        let ok = check_params(
            &slots,
            ParameterFormat::Positional,
            &[p("2=literal"), p("1=contact.name")],
            None,
        )
        .unwrap();
        assert_eq!(
            ok,
            vec![
                ParamSource::Contact(ContactField::Name),
                ParamSource::Literal("literal".into())
            ]
        );
        let few = check_params(&slots, ParameterFormat::Positional, &[p("1=x")], None);
        assert!(
            matches!(
                few,
                Err(BroadcastError::ParamCount {
                    expected: 2,
                    given: 1,
                    ..
                })
            ),
            "{few:?}"
        );
        let wrong = check_params(
            &slots,
            ParameterFormat::Positional,
            &[p("1=x"), p("3=y")],
            None,
        );
        assert!(
            matches!(&wrong, Err(BroadcastError::ParamUnknown { key, .. }) if key == "3"),
            "{wrong:?}"
        );
        let twice = check_params(
            &slots,
            ParameterFormat::Positional,
            &[p("1=x"), p("1=y")],
            None,
        );
        assert!(matches!(twice, Err(BroadcastError::ParamTwice(_))));
        let named = body(&["first_name"]);
        let columns = vec!["phone".to_string(), "First_Name".to_string()];
        assert!(
            check_params(
                &named,
                ParameterFormat::Named,
                &[p("first_name=csv.first_name")],
                Some(&columns)
            )
            .is_ok()
        );
        assert!(matches!(
            check_params(
                &named,
                ParameterFormat::Named,
                &[p("first_name=csv.nickname")],
                Some(&columns)
            ),
            Err(BroadcastError::NoColumn { .. })
        ));
        assert!(matches!(
            check_params(
                &named,
                ParameterFormat::Named,
                &[p("first_name=csv.first_name")],
                None
            ),
            Err(BroadcastError::CsvOnly(_))
        ));
        assert!(check_params(&[], ParameterFormat::Positional, &[], None).is_ok());
    }

    #[test]
    fn a_missing_value_names_its_slot_and_named_values_carry_their_name() {
        let slots = body(&["first_name", "code"]);
        let sources = vec![
            ParamSource::Csv("First_Name".into()),
            ParamSource::Literal("XMAS".into()),
        ];
        let mut row = HashMap::new();
        row.insert("first_name".to_string(), "Ana".to_string());
        let facts = RecipientFacts {
            row: Some(&row),
            ..Default::default()
        };
        assert_eq!(
            render(&sources, &slots, ParameterFormat::Named, facts).unwrap(),
            vec!["first_name=Ana", "code=XMAS"]
        );
        row.insert("first_name".to_string(), "  ".to_string());
        let facts = RecipientFacts {
            row: Some(&row),
            ..Default::default()
        };
        assert_eq!(
            render(&sources, &slots, ParameterFormat::Named, facts).unwrap_err(),
            "{{first_name}} (body)"
        );
        let one = body(&["1"]);
        let name = vec![ParamSource::Contact(ContactField::Name)];
        assert!(
            render(
                &name,
                &one,
                ParameterFormat::Positional,
                RecipientFacts::default()
            )
            .is_err()
        );
    }

    #[test]
    fn a_csv_is_read_with_quotes_and_needs_a_phone_column() {
        let csv = CsvRows::parse(
            "\u{feff}Phone,first_name,note\r\n+591 71000001,\"Ana, María\",\"say \"\"hi\"\"\"\n59171000002,Luis,\"two\nlines\"\n\n",
        )
        .unwrap();
        assert_eq!(csv.columns, vec!["Phone", "first_name", "note"]);
        assert_eq!(csv.rows.len(), 2);
        assert_eq!(csv.rows[0][1], "Ana, María");
        assert_eq!(csv.rows[0][2], "say \"hi\"");
        assert_eq!(csv.rows[1][2], "two\nlines");
        assert_eq!(csv.phone_column().unwrap(), 0);
        assert_eq!(csv.row_map(&csv.rows[1])["phone"], "59171000002");
        assert!(matches!(
            CsvRows::parse("name\nAna\n"),
            Err(BroadcastError::NoPhoneColumn)
        ));
        assert!(matches!(
            CsvRows::parse("\n"),
            Err(BroadcastError::EmptyCsv)
        ));
    }

    #[test]
    fn a_spreadsheets_semicolons_and_blank_rows_are_read_and_each_row_keeps_its_line() {
        // As a spreadsheet in Spanish saves it: `;` between fields, a quoted cell over two
        // lines, and the empty rows it leaves at the end.
        let csv = CsvRows::parse(
            "phone;first_name;note\r\n+591 71000001;Ana;\"uno; dos\"\r\n59171000002;Luis;\"two\nlines\"\r\n59171000003;Eva;x\r\n;;\r\n;;\r\n",
        )
        .unwrap();
        assert_eq!(csv.columns, vec!["phone", "first_name", "note"]);
        assert_eq!(csv.rows.len(), 3, "{csv:?}");
        assert_eq!(csv.rows[0][2], "uno; dos");
        assert_eq!(
            csv.lines,
            vec![2, 3, 5],
            "Eva's row follows a cell of two lines"
        );
        // A comma is the separator wherever the header has one.
        let csv = CsvRows::parse("phone,note\n+59171000001,\"a; b\"\n\n+59171000003,c\n").unwrap();
        assert_eq!(csv.rows[0], vec!["+59171000001", "a; b"]);
        assert_eq!(
            csv.line(1),
            Some(4),
            "the blank line 3 is counted, not kept"
        );
        assert_eq!(
            CsvRows::parse("phone\tname\n59171000001\tAna\n")
                .unwrap()
                .rows[0][1],
            "Ana"
        );
        // What is quoted in the header does not count.
        let csv = CsvRows::parse("phone;\"name, full\"\n59171000001;\"Ana, M\"\n").unwrap();
        assert_eq!(csv.columns, vec!["phone", "name, full"]);
        // A Spanish sheet's phone column, whatever its capitals.
        let csv = CsvRows::parse("Nombre;TELÉFONO\nAna;+59171000001\n").unwrap();
        assert_eq!(csv.phone_column().unwrap(), 1);
    }

    #[test]
    fn phones_are_digits_in_international_form() {
        assert_eq!(
            phone_digits("+591 71-000 019").as_deref(),
            Some("59171000019")
        );
        assert_eq!(phone_digits("call me"), None);
        assert_eq!(phone_digits("12345"), None);
        assert_eq!(phone_digits("071000019"), None);
    }

    #[test]
    fn cost_is_recipients_times_the_categorys_price_or_unknown() {
        let p = Pricing {
            currency: Some("USD".into()),
            marketing: Some(0.025),
            utility: Some(0.004),
            authentication: None,
        };
        assert_eq!(p.cost("MARKETING", 3), Some(0.075));
        assert_eq!(p.cost("utility", 1000), Some(4.0));
        assert_eq!(p.cost("AUTHENTICATION", 10), None);
        assert_eq!(Pricing::default().cost("MARKETING", 10), None);
    }

    #[test]
    fn the_pace_gives_the_rate_per_second_and_the_tier_bounds_closed_windows() {
        let a = allowance(20, 0.5, Some(250), 0);
        assert_eq!((a.total, a.outside_window), (10, 250));
        // A long pause is not a burst: at most one second's worth.
        assert_eq!(allowance(20, 60.0, None, 0).total, 20);
        assert_eq!(allowance(20, 1.0, Some(250), 249).outside_window, 1);
        assert_eq!(allowance(20, 1.0, Some(250), 300).outside_window, 0);
        assert_eq!(allowance(20, 1.0, None, 10_000).outside_window, usize::MAX);
        assert_eq!(allowance(20, -1.0, None, 0).total, 0);
    }

    #[test]
    fn tiers_are_read_from_metas_limit_names() {
        assert_eq!(tier_from_limit("TIER_250"), Some(Some(250)));
        assert_eq!(tier_from_limit("TIER_2K"), Some(Some(2_000)));
        assert_eq!(tier_from_limit("TIER_100K"), Some(Some(100_000)));
        assert_eq!(tier_from_limit("TIER_UNLIMITED"), Some(None));
        assert_eq!(tier_from_limit("lots"), None);
    }

    #[test]
    fn a_downgrade_or_a_yellow_rating_stops_and_an_upgrade_does_not() {
        assert!(quality_falls(Some("DOWNGRADE"), None));
        assert!(quality_falls(Some("FLAGGED"), None));
        assert!(quality_falls(None, Some("RED")));
        assert!(!quality_falls(Some("UPGRADE"), Some("GREEN")));
        assert!(!quality_falls(Some("UNFLAGGED"), None));
        assert!(marketing_limit_reached(10, 10));
        assert!(!marketing_limit_reached(9, 10));
        assert!(!marketing_limit_reached(100, 0));
    }
}
