//! Writing the report's files: HTML, CSV (one file per table), JSON, and
//! the Ombudsman's fields as CSV.

use super::chart::ChartError;
use super::tables::{Report, Table};
use std::path::{Path, PathBuf};

/// The report's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Format {
    /// One self-contained HTML file (charts embedded) that prints to PDF.
    Html,
    /// One CSV file per table.
    Csv,
    /// All the figures as one JSON document.
    Json,
    /// The Public Services Ombudsman for Wales' complaints data by quarter (CSV).
    Psow,
}

/// The report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A chart failed.
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// A file could not be written.
    #[error("writing {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// CSV encoding failed.
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    /// JSON encoding failed.
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),
}

fn put(path: PathBuf, bytes: &[u8]) -> Result<PathBuf, WriteError> {
    crate::private_fs::write(&path, bytes).map_err(|source| WriteError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// A table as CSV text (a header row, then the rows).
pub fn csv_of(t: &Table) -> Result<Vec<u8>, WriteError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&t.header)?;
    for r in &t.rows {
        w.write_record(r)?;
    }
    w.into_inner()
        .map_err(|e| WriteError::Csv(csv::Error::from(e.into_error())))
}

/// Write the report in `format` into the folder `out` (created if needed);
/// returns the files written.
pub fn write(report: &Report, format: Format, out: &Path) -> Result<Vec<PathBuf>, WriteError> {
    crate::private_fs::create_dir_all(out).map_err(|source| WriteError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let p = &report.figures.period;
    let stem = format!("complaints-report-{}-to-{}", p.from, p.last());
    Ok(match format {
        Format::Html => vec![put(
            out.join(format!("{stem}.html")),
            super::html::render(report)?.as_bytes(),
        )?],
        Format::Json => vec![put(
            out.join(format!("{stem}.json")),
            &serde_json::to_vec_pretty(report)?,
        )?],
        Format::Csv => report
            .tables()
            .iter()
            .map(|t| put(out.join(format!("{}.csv", t.name)), &csv_of(t)?))
            .collect::<Result<_, _>>()?,
        Format::Psow => vec![put(
            out.join(format!("psow-{}-to-{}.csv", p.from, p.last())),
            &csv_of(&report.psow())?,
        )?],
    })
}
