//! Everything in Kickoff that does work: the job handlers and the code they run.
//! `process` turns fetched payloads into entities.

pub mod process;
pub mod settings;
