//! XML Schema validation through libxml2, the field's standard validator (the one behind
//! `xmllint --schema`), streaming so that memory does not grow with the file, and keeping the
//! line and column of every problem.
//!
//! A [`Schema`] is compiled once from an `.xsd` file and validates any number of documents read
//! from any [`Read`]. Validation goes through libxml2's SAX-driven `xmlSchemaValidateStream`:
//! no tree is built, so a 500 MB `arkivstruktur.xml` is checked in a few megabytes. Every
//! problem is collected (well-formedness errors included), never only the first.
//!
//! ```
//! use samla_xsd::{Level, Schema};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let xsd = dir.path().join("note.xsd");
//! std::fs::write(
//!     &xsd,
//!     r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
//!          <xs:element name="note">
//!            <xs:complexType><xs:sequence>
//!              <xs:element name="to" type="xs:string"/>
//!              <xs:element name="day" type="xs:date"/>
//!            </xs:sequence></xs:complexType>
//!          </xs:element>
//!        </xs:schema>"#,
//! )?;
//! let schema = Schema::compile(&xsd)?;
//!
//! let good = "<note>\n  <to>Arkivet</to>\n  <day>2024-01-31</day>\n</note>\n";
//! assert!(schema.validate(good.as_bytes(), "good.xml", 100)?.problems.is_empty());
//!
//! let bad = "<note>\n  <to>Arkivet</to>\n  <day>31.01.2024</day>\n</note>\n";
//! let result = schema.validate(bad.as_bytes(), "bad.xml", 100)?;
//! assert_eq!(result.total, 1);
//! let problem = &result.problems[0];
//! assert_eq!((problem.line, problem.column, problem.level), (3, 7, Level::Error)); // `  <day>`
//! assert_eq!(problem.element.as_deref(), Some("day"));
//! assert!(problem.message.contains("'31.01.2024' is not a valid value"));
//! # Ok(())
//! # }
//! ```
//!
//! # Threads
//!
//! libxml2 (built with thread support, as every distribution ships it) keeps its error handlers
//! per thread. [`Schema::validate`] routes the parser's errors to its own collector through the
//! calling thread's handler for the duration of the run, then restores the previous handler, so
//! validations running at the same time on different threads never see each other's problems.
//! A [`Schema`] is `Send` but not `Sync`: to validate on two threads at once, compile one schema
//! per thread. Compilation itself is serialized by a process-wide lock (it is rare and cheap
//! next to validation), because libxml2 2.9 initializes some shared state lazily without one.
//! libxml2 prints nothing: during a run, whatever it would still send to its generic (printf)
//! error handler goes to the null device.
//!
//! # Build
//!
//! Links the system libxml2 (`libxml2-dev` on Debian/Ubuntu, 2.9 or later).

mod ffi;
mod resources;
pub mod textcap;

use std::any::Any;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::fmt;
use std::io::{self, BufReader, Read};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::ptr;
use std::sync::{Mutex, Once, OnceLock};

/// How many schema compilation errors are kept in [`XsdError::message`].
const MAX_SCHEMA_ERRORS: usize = 20;

/// Bytes read from the source at a time (libxml2 itself asks for about 4 KB per call).
const READ_BUFFER: usize = 64 * 1024;

/// A compiled XML Schema (libxml2's `xmlSchemaPtr`), freed on drop.
///
/// `Send` but not `Sync`: see the [crate documentation](crate#threads).
#[derive(Debug)]
pub struct Schema {
    ptr: *mut c_void,
}

// SAFETY: a compiled xmlSchema has no affinity to the thread that built it: it holds no
// thread-local state, its dictionary is reference counted under libxml2's own lock, and this
// crate only reads it (one validation context at a time, through `&self`) and frees it on drop.
unsafe impl Send for Schema {}

/// The outcome of one validation run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Validation {
    /// The first `max` problems, in the order libxml2 found them.
    pub problems: Vec<Problem>,
    /// All problems found, including those past `max`.
    pub total: u64,
}

/// One validation or well-formedness problem, where libxml2 found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, or 0 if libxml2 did not know it.
    ///
    /// For a schema validity problem, the position of the element concerned: the `>` that ends
    /// its start tag, on the line libxml2 gives that element when it validates a tree (the line
    /// `xmllint --schema` prints), even when the problem shows only later, as a missing child
    /// or an invalid value does. For a well-formedness problem, where the parser stopped.
    pub line: u64,
    /// 1-based column, or 0 if libxml2 did not know it; see [`Problem::line`].
    pub column: u64,
    /// How serious: a [`Level::Fatal`] problem (a well-formedness error) ends the run.
    pub level: Level,
    /// libxml2's message, trimmed, e.g. `Element '{ns}tittel': This element is not expected. …`.
    pub message: String,
    /// The element libxml2 names: the name of the error's node when it has one, otherwise the
    /// name in the message's leading `Element '…'` (in Clark notation, `{namespace}local`, as
    /// libxml2 writes it when streaming). `None` for problems not tied to an element.
    pub element: Option<String>,
}

/// The seriousness of a [`Problem`], as libxml2 grades it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Something suspicious that does not make the document invalid.
    Warning,
    /// The document is not valid (schema validity errors are of this level).
    Error,
    /// The document is not well-formed; parsing stopped here.
    Fatal,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Warning => "warning",
            Level::Error => "error",
            Level::Fatal => "fatal error",
        })
    }
}

/// A schema that cannot be compiled, or a document that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XsdError {
    /// What went wrong, naming the file (and, for schema errors, the line) concerned.
    pub message: String,
}

impl XsdError {
    fn new(message: impl Into<String>) -> XsdError {
        XsdError { message: message.into() }
    }
}

impl fmt::Display for XsdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for XsdError {}

impl Schema {
    /// Compiles the schema at `xsd` (imports/includes resolved relative to it, as xmllint does).
    /// `xsd` may also be the URL of an official schema samla carries
    /// (`samla-schemas:/noark5/v5_0/arkivstruktur.xsd`, see [`samla_schemas::url`]).
    ///
    /// Nothing is fetched from the network: an import from loc.gov's XLink schema (as DIAS
    /// METS and PREMIS have) loads the embedded copy, and any other network location fails the
    /// compilation with its URL named.
    ///
    /// Every compilation problem (up to 20) is listed in the error, each with its file and line.
    pub fn compile(xsd: &Path) -> Result<Schema, XsdError> {
        init();
        let shown = xsd.display();
        match xsd.to_str().filter(|s| s.starts_with(samla_schemas::SCHEME)) {
            Some(url) if samla_schemas::resolve(url).is_none() => {
                return Err(XsdError::new(format!("cannot read schema {shown}: samla carries no such schema")));
            }
            Some(_) => {}
            None => {
                if let Err(e) = std::fs::metadata(xsd) {
                    return Err(XsdError::new(format!("cannot read schema {shown}: {e}")));
                }
            }
        }
        let c_path = CString::new(xsd.as_os_str().as_encoded_bytes())
            .map_err(|_| XsdError::new(format!("cannot compile schema {shown}: the path contains a NUL byte")))?;

        let mut collector = Collector::new(MAX_SCHEMA_ERRORS);
        let sink: *mut Collector = &mut collector;
        let (schema, refused) = {
            // See the crate documentation (Threads): libxml2 2.9 sets up shared state lazily.
            let _lock = COMPILE_LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            resources::take_refused();
            // SAFETY: `c_path` and `collector` outlive the parser context, which is freed before
            // this block ends; the error routing is restored when `_errors` drops, before that.
            unsafe {
                let _errors = ThreadErrors::route_to(sink);
                let pctxt = ffi::xmlSchemaNewParserCtxt(c_path.as_ptr());
                if pctxt.is_null() {
                    return Err(XsdError::new(format!("cannot compile schema {shown}: out of memory")));
                }
                ffi::xmlSchemaSetParserStructuredErrors(pctxt, Some(on_error), sink.cast());
                let schema = ffi::xmlSchemaParse(pctxt);
                ffi::xmlSchemaFreeParserCtxt(pctxt);
                (schema, resources::take_refused())
            }
        };
        if schema.is_null() {
            let errors: Vec<String> = collector
                .problems
                .iter()
                .filter(|(p, _)| p.level != Level::Warning)
                .map(|(p, file)| match (file, p.line) {
                    (Some(file), 0) => format!("{file}: {}", p.message),
                    (Some(file), line) => format!("{file}:{line}: {}", p.message),
                    (None, _) => p.message.clone(),
                })
                .collect();
            let mut message = format!("cannot compile schema {shown}");
            if errors.is_empty() {
                message.push_str(": libxml2 gave no reason");
            } else {
                message.push_str(": ");
                message.push_str(&errors.join("; "));
                let hidden = collector.total.saturating_sub(collector.problems.len() as u64);
                if hidden > 0 {
                    message.push_str(&format!("; and {hidden} more"));
                }
            }
            if !refused.is_empty() {
                message.push_str(&format!(
                    "; it imports {}, and samla never fetches schemas from the network \
                     (pass --schemas DIR with a local copy beside it)",
                    refused.join(", ")
                ));
            }
            return Err(XsdError::new(message));
        }
        Ok(Schema { ptr: schema })
    }

    /// Validates the XML read from `source` (named `name` in errors), streaming, and returns every
    /// validation/well-formedness problem found (up to `max` problems; after that, counts only), never
    /// stopping at the first. The run itself fails (Err) only if the input cannot be read at all.
    ///
    /// The XML is parsed by libxml2's SAX parser with schema validation plugged in, so memory stays
    /// bounded whatever the size of the document. Problems come in document order, each with its
    /// position (see [`Problem::line`]). A well-formedness error ([`Level::Fatal`]) ends parsing:
    /// the problems found before it are kept.
    ///
    /// "Cannot be read" means that `source` returned an I/O error ([`io::ErrorKind::Interrupted`]
    /// is retried): the verdict on a partly read document would mean nothing, so that is an `Err`
    /// naming `name`. If `source` panics, the panic is carried across libxml2 and resumed here.
    pub fn validate(&self, source: impl Read, name: &str, max: usize) -> Result<Validation, XsdError> {
        init();
        // See textcap: libxml2 would take time quadratic in the length of one element's text.
        let mut reader = BufReader::with_capacity(READ_BUFFER, textcap::TextCap::new(source));
        let mut input = Input { reader: &mut reader, read: 0, error: None, panic: None };
        let input_ptr: *mut Input<'_> = &mut input;
        let mut collector = Collector::new(max);
        let sink: *mut Collector = &mut collector;
        let c_name = CString::new(name.replace('\0', "\u{fffd}")).expect("NUL bytes were replaced");

        // Our SAX callbacks, which libxml2's schema layer calls before its own for each event, keep
        // track of the element being validated (see `Collector::current`).
        let mut sax = ffi::XmlSaxHandler {
            characters: Some(on_text),
            ignorable_whitespace: Some(on_text),
            cdata_block: Some(on_text),
            initialized: ffi::XML_SAX2_MAGIC,
            start_element_ns: Some(on_start),
            end_element_ns: Some(on_end),
            ..ffi::XmlSaxHandler::EMPTY
        };

        // SAFETY: every pointer handed to libxml2 (`c_name`, `sink`, `input_ptr`, `sax`) points to a
        // local that outlives the validation context and the input buffer: the buffer is freed (its
        // close callback called) inside xmlSchemaValidateStream, the context by `ValidCtxt::drop`
        // below, and the thread's error routing is restored when `_errors` drops, right after the run.
        let status = unsafe {
            let vctxt = ValidCtxt(ffi::xmlSchemaNewValidCtxt(self.ptr));
            if vctxt.0.is_null() {
                return Err(XsdError::new(format!("cannot validate {name}: out of memory")));
            }
            (*sink).vctxt = vctxt.0;
            ffi::xmlSchemaSetValidStructuredErrors(vctxt.0, Some(on_error), sink.cast());
            ffi::xmlSchemaValidateSetFilename(vctxt.0, c_name.as_ptr());
            let _errors = ThreadErrors::route_to(sink);
            let buffer = ffi::xmlParserInputBufferCreateIO(
                Some(read_input),
                Some(close_input),
                input_ptr.cast(),
                ffi::XML_CHAR_ENCODING_NONE,
            );
            if buffer.is_null() {
                return Err(XsdError::new(format!("cannot validate {name}: out of memory")));
            }
            // Takes the buffer: it is freed, and `close_input` called, with the parser context
            // inside (only if libxml2 runs out of memory before that is it leaked, never used).
            ffi::xmlSchemaValidateStream(vctxt.0, buffer, ffi::XML_CHAR_ENCODING_NONE, &mut sax, sink.cast())
        };

        if let Some(payload) = input.panic {
            panic::resume_unwind(payload);
        }
        if let Some(e) = input.error {
            return Err(XsdError::new(format!("cannot read {name}: {e} (after {} bytes)", input.read)));
        }
        if status < 0 && collector.total == 0 {
            return Err(XsdError::new(format!("cannot validate {name}: libxml2 internal error")));
        }
        if status != 0 && collector.total == 0 {
            // Not seen in practice; never let a rejected document pass for a valid one.
            collector.push(
                Problem {
                    line: 0,
                    column: 0,
                    level: Level::Error,
                    message: format!("libxml2 rejected the document (code {status}) without a message"),
                    element: None,
                },
                None,
            );
        }
        let cap = reader.get_ref();
        for (problem, _) in &mut collector.problems {
            if problem.line > 0 {
                problem.line = cap.input_line(problem.line);
            }
        }
        for cut in cap.cuts() {
            collector.push(
                Problem {
                    line: cut.line,
                    column: cut.column,
                    level: Level::Warning,
                    message: format!(
                        "an element's text of {} bytes: only its first {} MiB were validated \
                         (no value of an archive's XML is meant to be this long)",
                        cut.bytes,
                        textcap::MAX_TEXT >> 20
                    ),
                    element: None,
                },
                None,
            );
        }
        let mut problems: Vec<Problem> = collector.problems.into_iter().map(|(p, _)| p).collect();
        problems.sort_by_key(|p| (p.line, p.column));
        Ok(Validation { problems, total: collector.total })
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from xmlSchemaParse, is non-null and is freed only here.
        unsafe { ffi::xmlSchemaFree(self.ptr) }
    }
}

static INIT: Once = Once::new();
static COMPILE_LOCK: Mutex<()> = Mutex::new(());

/// Initializes libxml2 (and its built-in schema types, which 2.9 would otherwise set up lazily,
/// without a lock, in the first compilation) once per process.
fn init() {
    INIT.call_once(|| {
        // SAFETY: plain initialization calls, made once, before any other use of libxml2 here.
        unsafe {
            ffi::xmlInitParser();
            ffi::xmlSchemaInitTypes();
        }
        resources::register();
    });
}

/// A `FILE*` on the null device for libxml2's generic (printf-like) error handler, which cannot be
/// written in stable Rust: libxml2 reports nearly everything through the structured handler this
/// crate installs, and whatever would still go to the generic one must not land on stderr.
fn null_sink() -> *mut c_void {
    static SINK: OnceLock<usize> = OnceLock::new();
    // SAFETY: fopen with valid NUL-terminated strings; the FILE is kept open for the process.
    *SINK.get_or_init(|| unsafe { ffi::fopen(c"/dev/null".as_ptr(), c"w".as_ptr()) as usize }) as *mut c_void
}

/// A line and a column, 1-based.
type Position = (u64, u64);

/// The problems reported by libxml2 during one compilation or validation.
///
/// During validation it also follows the elements, so that a schema validity problem gets the
/// position of the element it is about, as libxml2 gives it when it validates a tree (and so as
/// `xmllint --schema` prints it): where that element's start tag ends. When streaming, libxml2
/// itself gives the parser's position when it noticed the problem, which for an element's
/// content (a missing child, a bad value) is its end tag.
struct Collector {
    /// Each problem with the file libxml2 names (used for schema errors only).
    problems: Vec<(Problem, Option<String>)>,
    total: u64,
    max: usize,
    /// The validation context of the run, to reach its parser; null when compiling.
    vctxt: *mut c_void,
    /// Where the start tag of each open element ends, outermost first.
    open: Vec<Position>,
    /// The element the validator is working on: the one just started, the one whose text is
    /// being read, or the one just ended (our SAX callbacks run before the validator's own).
    current: Option<Position>,
}

impl Collector {
    fn new(max: usize) -> Collector {
        Collector { problems: Vec::new(), total: 0, max, vctxt: ptr::null_mut(), open: Vec::new(), current: None }
    }

    /// The parser's current position.
    fn position(&self) -> Position {
        // SAFETY: called from SAX callbacks only, while `vctxt` is running xmlSchemaValidateStream,
        // so that its parser context is alive; the accessors accept null.
        let (line, column) = unsafe {
            let parser = ffi::xmlSchemaValidCtxtGetParserCtxt(self.vctxt);
            if parser.is_null() {
                return (0, 0);
            }
            (ffi::xmlSAX2GetLineNumber(parser), ffi::xmlSAX2GetColumnNumber(parser))
        };
        (u64::try_from(line).unwrap_or(0), u64::try_from(column).unwrap_or(0))
    }

    fn push(&mut self, problem: Problem, file: Option<String>) {
        self.total += 1;
        if self.problems.len() < self.max {
            self.problems.push((problem, file));
        }
    }
}

/// libxml2's structured error callback, for both the validation context and the calling
/// thread's parser errors. `user_data` is the `*mut Collector` of the run.
unsafe extern "C" fn on_error(user_data: *mut c_void, error: *mut ffi::XmlError) {
    if user_data.is_null() || error.is_null() {
        return;
    }
    // Never unwind into C; an allocation failure here would abort anyway.
    let _ = panic::catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: libxml2 passes back the `*mut Collector` registered for this run (alive for the
        // whole run, touched by no one else meanwhile) and an error valid for this call.
        let (collector, error) = unsafe { (&mut *user_data.cast::<Collector>(), &*error) };
        // SAFETY: as above; the strings and the node live at least as long as this call.
        let (mut problem, file) = unsafe { convert(error) };
        if let (ffi::XML_FROM_SCHEMASV, Some((line, column))) = (error.domain, collector.current) {
            (problem.line, problem.column) = (line, column);
        }
        collector.push(problem, file);
    }));
}

// The SAX callbacks below cannot panic but on allocation failure, which aborts; and a panic
// would not unwind into C anyway: it aborts at an `extern "C"` boundary.

/// `startElementNsSAX2Func`: notes where the element's start tag ends.
unsafe extern "C" fn on_start(
    ctx: *mut c_void,
    _localname: *const c_char,
    _prefix: *const c_char,
    _uri: *const c_char,
    _nb_namespaces: c_int,
    _namespaces: *mut *const c_char,
    _nb_attributes: c_int,
    _nb_defaulted: c_int,
    _attributes: *mut *const c_char,
) {
    // SAFETY: `ctx` is the run's `*mut Collector`, passed as the SAX user data.
    let collector = unsafe { &mut *ctx.cast::<Collector>() };
    let position = collector.position();
    collector.open.push(position);
    collector.current = Some(position);
}

/// `endElementNsSAX2Func`: the validator is about to check the element just ended.
unsafe extern "C" fn on_end(ctx: *mut c_void, _localname: *const c_char, _prefix: *const c_char, _uri: *const c_char) {
    // SAFETY: as in `on_start`.
    let collector = unsafe { &mut *ctx.cast::<Collector>() };
    collector.current = collector.open.pop();
}

/// `charactersSAXFunc`: the validator is about to take text of the innermost open element.
unsafe extern "C" fn on_text(ctx: *mut c_void, _ch: *const c_char, _len: c_int) {
    // SAFETY: as in `on_start`.
    let collector = unsafe { &mut *ctx.cast::<Collector>() };
    collector.current = collector.open.last().copied();
}

/// Copies what matters out of a libxml2 error.
///
/// # Safety
/// `error` must be a valid `xmlError` whose strings and node are valid for the call.
unsafe fn convert(error: &ffi::XmlError) -> (Problem, Option<String>) {
    // SAFETY: the caller guarantees the pointers are valid or null.
    let text = |s: *const c_char| (!s.is_null()).then(|| unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned());
    let message = text(error.message).map(|m| m.trim().to_owned()).unwrap_or_else(|| "(no message)".to_owned());
    let level = match error.level {
        ffi::XML_ERR_WARNING => Level::Warning,
        ffi::XML_ERR_FATAL => Level::Fatal,
        ffi::XML_ERR_ERROR => Level::Error,
        _ => Level::Error,
    };
    let node = error.node.cast::<ffi::XmlNodeHead>();
    // SAFETY: a non-null `node` is an xmlNode, which starts with `XmlNodeHead`.
    let element = match unsafe { node.as_ref() } {
        Some(node) if node.node_type == ffi::XML_ELEMENT_NODE => text(node.name),
        _ => None,
    }
    .or_else(|| element_in(&message));
    let problem = Problem {
        line: u64::try_from(error.line).unwrap_or(0),
        column: u64::try_from(error.int2).unwrap_or(0),
        level,
        message,
        element,
    };
    (problem, text(error.file))
}

/// The element named by a schema message's leading `Element 'NAME'`.
fn element_in(message: &str) -> Option<String> {
    let rest = message.strip_prefix("Element '")?;
    let end = rest.find('\'')?;
    Some(rest[..end].to_owned())
}

/// The calling thread's libxml2 error handlers, pointed at one collector for the life of this
/// guard and restored on drop. Routes the parser's own errors (well-formedness, I/O, encoding),
/// which libxml2 raises through the thread's structured handler rather than the schema context's.
struct ThreadErrors {
    structured: ffi::StructuredErrorFunc,
    structured_ctx: *mut c_void,
    generic: ffi::GenericErrorFunc,
    generic_ctx: *mut c_void,
}

impl ThreadErrors {
    /// # Safety
    /// `sink` must stay valid until the guard is dropped, on this thread.
    unsafe fn route_to(sink: *mut Collector) -> ThreadErrors {
        // SAFETY: libxml2 is initialized; these read and set the calling thread's handlers.
        unsafe {
            let saved = ThreadErrors {
                structured: *ffi::__xmlStructuredError(),
                structured_ctx: *ffi::__xmlStructuredErrorContext(),
                generic: *ffi::__xmlGenericError(),
                generic_ctx: *ffi::__xmlGenericErrorContext(),
            };
            ffi::xmlSetStructuredErrorFunc(sink.cast(), Some(on_error));
            let null = null_sink();
            if !null.is_null() {
                // A null handler selects libxml2's default one, which prints to the given FILE.
                ffi::xmlSetGenericErrorFunc(null, None);
            }
            saved
        }
    }
}

impl Drop for ThreadErrors {
    fn drop(&mut self) {
        // SAFETY: puts back the handlers read in `route_to`, on the same thread (the guard is a
        // local that never leaves its function).
        unsafe {
            ffi::xmlSetStructuredErrorFunc(self.structured_ctx, self.structured);
            ffi::xmlSetGenericErrorFunc(self.generic_ctx, self.generic);
        }
    }
}

/// A validation context, freed on drop.
struct ValidCtxt(*mut c_void);

impl Drop for ValidCtxt {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the context came from xmlSchemaNewValidCtxt and is freed only here.
            unsafe { ffi::xmlSchemaFreeValidCtxt(self.0) }
        }
    }
}

/// The source of one validation run, as seen by the read callback.
struct Input<'a> {
    reader: &'a mut dyn Read,
    /// Bytes handed to libxml2 so far.
    read: u64,
    /// The first I/O error; the run is then an `Err`.
    error: Option<io::Error>,
    /// A panic of `reader`, resumed once libxml2 has returned.
    panic: Option<Box<dyn Any + Send>>,
}

/// `xmlInputReadCallback`: fills libxml2's buffer from the Rust reader; returns the bytes given,
/// fewer than asked only at the end (0 there), or -1 on error.
unsafe extern "C" fn read_input(context: *mut c_void, buffer: *mut c_char, len: c_int) -> c_int {
    if context.is_null() || buffer.is_null() || len <= 0 {
        return if len == 0 { 0 } else { -1 };
    }
    // SAFETY: `context` is the `Input` registered for this run, alive and otherwise untouched
    // until libxml2 returns.
    let input = unsafe { &mut *context.cast::<Input<'_>>() };
    if input.error.is_some() || input.panic.is_some() {
        return -1;
    }
    let len = len as usize;
    // SAFETY: libxml2 hands `len` writable bytes; they may be uninitialized, so zero them before
    // making a slice of them.
    let buf = unsafe {
        ptr::write_bytes(buffer, 0, len);
        std::slice::from_raw_parts_mut(buffer.cast::<u8>(), len)
    };
    let reader = &mut *input.reader;
    // libxml2 takes a short read for the end of what is there: its pull parser does not ask again
    // before giving up on a construct. So fill the buffer, as fread would, unless at the end.
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut filled = 0;
        while filled < len {
            match reader.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n.min(len - filled),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(filled)
    }));
    match result {
        Ok(Ok(n)) => {
            input.read += n as u64;
            n as c_int
        }
        Ok(Err(e)) => {
            input.error = Some(e);
            -1
        }
        Err(payload) => {
            input.panic = Some(payload);
            -1
        }
    }
}

/// `xmlInputCloseCallback`: the `Input` belongs to `validate`, so there is nothing to free.
unsafe extern "C" fn close_input(_context: *mut c_void) -> c_int {
    0
}

#[cfg(test)]
mod tests {
    use super::element_in;

    #[test]
    fn element_name_from_message() {
        assert_eq!(element_in("Element '{urn:x}a': This element is not expected.").as_deref(), Some("{urn:x}a"));
        assert_eq!(element_in("Element 'b', attribute 'c': The attribute is required.").as_deref(), Some("b"));
        assert_eq!(element_in("Premature end of data in tag a line 1"), None);
    }
}
