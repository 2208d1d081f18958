//! The performance figures (issue 17): the plain numbers the store counts
//! for a period, and the arithmetic on them that needs the working-day
//! calendar (days taken, on-time shares, weeks). Pure: the store counts in
//! SQL and hands over grouped rows; nothing here reads a clock or a file.

pub mod figures;

pub use figures::*;
