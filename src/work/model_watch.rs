//! Picking up a refitted classifier model while the daemon runs: when
//! `complaintd classify --learn` (run by an operator or a nightly timer)
//! writes the organisation's model, the scheduler's next pass reads it and
//! the classifier uses it from the next message on, with no restart.
//!
//! `classify --learn` writes the file atomically (a rename), so a reader
//! sees the old file or the new one, never half of one. A new file that
//! cannot be read or parsed is reported and the model in use is kept: a
//! daemon that has been classifying for months does not stop, or fall back
//! to the shipped model and quietly lose the corrections, because of one bad
//! write.

use crate::app::App;
use crate::core::learned::{Learned, Model};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;
use tracing::{error, info, warn};

/// What the file looked like when it was last read.
type Stamp = (SystemTime, u64);

/// Watches the organisation's model file for a new version.
pub struct ModelWatch {
    path: PathBuf,
    seen: Option<Stamp>,
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// Nothing new (or the daemon has no replaceable model).
    Unchanged,
    /// A new model is in use.
    Reloaded {
        /// How many examples it was trained on.
        trained_on: u32,
    },
    /// A new file could not be used; the model in use was kept.
    Kept(String),
}

async fn stamp(path: &PathBuf) -> Option<Stamp> {
    let m = tokio::fs::metadata(path).await.ok()?;
    Some((m.modified().ok()?, m.len()))
}

impl ModelWatch {
    /// Start watching, taking the file as it is now as already loaded (the
    /// app read it at start).
    pub async fn new(app: &App) -> ModelWatch {
        let path = app.loaded.model_path();
        let seen = stamp(&path).await;
        ModelWatch { path, seen }
    }

    /// Load the model file if it changed since the last look.
    pub async fn check(&mut self, app: &App) -> Checked {
        let Learned::Shared(shared) = &app.hints.learned else {
            return Checked::Unchanged;
        };
        let now = stamp(&self.path).await;
        if now == self.seen {
            return Checked::Unchanged;
        }
        self.seen = now;
        if now.is_none() {
            warn!(path = %self.path.display(), "the classifier model file is gone; keeping the model in use");
            return Checked::Kept("the file is gone".into());
        }
        let read = tokio::fs::read(&self.path)
            .await
            .map_err(|e| e.to_string())
            .and_then(|b| Model::from_bytes(&b).map_err(|e| e.to_string()));
        match read {
            Ok(model) => {
                let trained_on = model.trained_on;
                shared.replace(Arc::new(model));
                info!(path = %self.path.display(), trained_on, "classifier model reloaded");
                Checked::Reloaded { trained_on }
            }
            Err(e) => {
                error!(path = %self.path.display(), error = %e, "a new classifier model could not be read; keeping the model in use");
                Checked::Kept(e)
            }
        }
    }
}
