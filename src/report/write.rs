//! Writing the report's files: HTML, CSV (one file per table), JSON, and
//! the Ombudsman's fields as CSV.

use super::chart::ChartError;
use super::tables::{Report, Table};
use std::io::{BufWriter, Write};
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

/// Write a file owner-only through a buffer, `fill` writing its bytes.
fn put_with(
    path: PathBuf,
    fill: impl FnOnce(&mut BufWriter<std::fs::File>) -> Result<(), WriteError>,
) -> Result<PathBuf, WriteError> {
    let io = |source| WriteError::Io {
        path: path.clone(),
        source,
    };
    let mut w = BufWriter::with_capacity(1 << 16, crate::private_fs::open(&path).map_err(io)?);
    fill(&mut w)?;
    w.flush().map_err(io)?;
    Ok(path)
}

fn put(path: PathBuf, bytes: &[u8]) -> Result<PathBuf, WriteError> {
    crate::private_fs::write(&path, bytes).map_err(|source| WriteError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// Write a table as CSV (a header row, then the rows, made one at a time)
/// to `w`.
pub fn csv_to(t: &Table, w: impl Write) -> Result<(), WriteError> {
    let mut w = csv::Writer::from_writer(w);
    w.write_record(&t.header)?;
    t.rows.each(|r| w.write_record(r))?;
    w.flush()
        .map_err(|e| WriteError::Csv(csv::Error::from(e)))?;
    Ok(())
}

/// A table as CSV text (a header row, then the rows).
pub fn csv_of(t: &Table) -> Result<Vec<u8>, WriteError> {
    let mut out = Vec::new();
    csv_to(t, &mut out)?;
    Ok(out)
}

/// Write the report in `format` into the folder `out` (created if needed);
/// returns the files written. Each file is written as it is made, through a
/// buffer, never held whole in memory.
pub fn write(report: &Report, format: Format, out: &Path) -> Result<Vec<PathBuf>, WriteError> {
    crate::private_fs::create_dir_all(out).map_err(|source| WriteError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let p = &report.figures.period;
    let stem = format!("complaints-report-{}-to-{}", p.from, p.last());
    Ok(match format {
        Format::Html => {
            let path = out.join(format!("{stem}.html"));
            let at = path.clone();
            vec![put_with(path, |w| {
                super::html::render(report, w).map_err(|e| match e {
                    super::html::RenderError::Chart(c) => WriteError::Chart(c),
                    super::html::RenderError::Io(source) => WriteError::Io { path: at, source },
                })
            })?]
        }
        Format::Json => vec![put_with(out.join(format!("{stem}.json")), |w| {
            Ok(serde_json::to_writer_pretty(w, report)?)
        })?],
        Format::Csv => report
            .tables()
            .iter()
            .map(|t| put_with(out.join(format!("{}.csv", t.name)), |w| csv_to(t, w)))
            .collect::<Result<_, _>>()?,
        Format::Psow => vec![put(
            out.join(format!("psow-{}-to-{}.csv", p.from, p.last())),
            &csv_of(&report.psow())?,
        )?],
    })
}
