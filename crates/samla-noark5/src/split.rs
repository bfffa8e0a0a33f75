//! Which elements of a file are streamed through and which are read whole: shared by the
//! streaming reader and its parallel path, which both need it and must not need each other.

/// Which elements a file is streamed by.
#[derive(Debug, Clone, Copy)]
pub struct Split {
    /// Elements opened and streamed through (local names).
    pub containers: &'static [&'static str],
    /// Elements read whole (local names).
    pub units: &'static [&'static str],
    /// Local names the root element may have.
    pub roots: &'static [&'static str],
}

impl Split {
    /// arkivstruktur.xml: units are the outermost `mappe` and any `registrering` placed
    /// directly in an arkivdel or klasse.
    pub const ARKIVSTRUKTUR: Split = Split {
        containers: &["arkiv", "arkivdel", "klassifikasjonssystem", "klasse"],
        units: &["mappe", "registrering"],
        roots: &["arkiv"],
    };
    /// loependeJournal.xml and offentligJournal.xml: the journalhode and each journalregistrering.
    pub const JOURNAL: Split = Split {
        containers: &["loependeJournal", "offentligJournal"],
        units: &["journalhode", "journalregistrering"],
        roots: &["loependeJournal", "offentligJournal"],
    };
    /// endringslogg.xml: each endring.
    pub const ENDRINGSLOGG: Split =
        Split { containers: &["endringslogg"], units: &["endring"], roots: &["endringslogg"] };
}
