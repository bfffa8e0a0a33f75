//! samla's integration tests, one binary (as uv and ripgrep have it): each module is the
//! tests of one command or concern, run against the `samla` binary and the libraries.

mod common;

mod bad_input;
mod check;
mod cli;
mod flat;
mod generate;
mod layout;
mod lookup;
mod mutation;
mod noark4;
mod package;
mod parallel;
mod parity;
mod reports;
mod roundtrip;
mod run;
mod sources;
mod verify;
mod wash;
