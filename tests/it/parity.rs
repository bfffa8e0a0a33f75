//! Parity with Arkade 5, scenario by scenario: Arkade's unit tests for the ADDML processes
//! and the Noark 5 controls, rebuilt as small extracts and packages, each checked by the samla
//! binary with Arkade's verdict asserted (docs/parity.md says where samla is stricter).

mod addml;
mod n5;
mod n5_counts;
