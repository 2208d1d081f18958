//! Standard output and error for the one-shot commands, without panics.
//!
//! `println!` panics when its stream is closed, so `complaintd ingest … | head`
//! died with a backtrace once `head` had read its lines. Here a closed stream
//! (EPIPE) quietly drops the rest of the output while the command finishes its
//! work: an `ingest` piped into `head` still takes in every message. Any other
//! write error (a full disk under a redirect) is remembered and reported once
//! at exit, with a non-zero code, because output the user asked for was lost.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Set once standard output has been closed by its reader.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
/// The first write error other than a closed pipe.
static STDOUT_FAILED: Mutex<Option<String>> = Mutex::new(None);

/// Standard output that treats a closed pipe as the end of the output.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if STDOUT_CLOSED.load(Ordering::Relaxed) {
            return Ok(buf.len());
        }
        match io::stdout().lock().write(buf) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                STDOUT_CLOSED.store(true, Ordering::Relaxed);
                Ok(buf.len())
            }
            other => other,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if STDOUT_CLOSED.load(Ordering::Relaxed) {
            return Ok(());
        }
        match io::stdout().lock().flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                STDOUT_CLOSED.store(true, Ordering::Relaxed);
                Ok(())
            }
            other => other,
        }
    }
}

/// Write formatted text to standard output (see [`outln!`](crate::outln)).
pub fn print(args: std::fmt::Arguments<'_>) {
    if let Err(e) = Stdout.write_fmt(args) {
        if let Ok(mut failed) = STDOUT_FAILED.lock() {
            failed.get_or_insert_with(|| e.to_string());
        }
    }
}

/// Write formatted text to standard error; a closed or failing standard
/// error has nowhere left to report to, so its errors are dropped.
pub fn eprint(args: std::fmt::Arguments<'_>) {
    let _ = io::stderr().lock().write_fmt(args);
}

/// The first write error on standard output other than a closed pipe.
pub fn failure() -> Option<String> {
    STDOUT_FAILED.lock().ok().and_then(|f| f.clone())
}

/// Is `e` (or its cause) standard output closed by its reader?
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// `println!` for the command line: never panics on a closed pipe.
#[macro_export]
macro_rules! outln {
    () => { $crate::cli::out::print(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::out::print(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` for the command line: never panics on a closed pipe.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::out::print(format_args!($($arg)*)) };
}

/// `eprintln!` for the command line: never panics on a closed stream.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => { $crate::cli::out::eprint(format_args!("{}\n", format_args!($($arg)*))) };
}
