//! The few libxml2 (2.9.x) declarations this crate needs, written by hand after
//! `/usr/include/libxml2/libxml/{xmlerror,xmlschemas,xmlIO,globals,tree}.h`.
//!
//! Opaque libxml2 types (`xmlSchemaPtr`, `xmlSchemaParserCtxtPtr`, `xmlSchemaValidCtxtPtr`,
//! `xmlParserInputBufferPtr`) are plain `*mut c_void` here: this crate never looks inside them.

use std::ffi::{c_char, c_int, c_void};
use std::ptr;

/// `xmlErrorLevel`: `XML_ERR_NONE` … `XML_ERR_FATAL`.
pub const XML_ERR_WARNING: c_int = 1;
pub const XML_ERR_ERROR: c_int = 2;
pub const XML_ERR_FATAL: c_int = 3;

/// `XML_CHAR_ENCODING_NONE`: let the parser detect the encoding (BOM, XML declaration).
pub const XML_CHAR_ENCODING_NONE: c_int = 0;

/// `XML_FROM_SCHEMASV` of `xmlErrorDomain`: the schema validator.
pub const XML_FROM_SCHEMASV: c_int = 17;

/// `XML_SAX2_MAGIC`: marks an `xmlSAXHandler` as SAX2 (with the `*Ns` callbacks).
pub const XML_SAX2_MAGIC: u32 = 0xDEED_BEAF;

/// `XML_ELEMENT_NODE` of `xmlElementType`.
pub const XML_ELEMENT_NODE: c_int = 1;

/// `struct _xmlError` (xmlerror.h), field for field.
#[repr(C)]
pub struct XmlError {
    pub domain: c_int,
    pub code: c_int,
    pub message: *mut c_char,
    pub level: c_int,
    pub file: *mut c_char,
    pub line: c_int,
    pub str1: *mut c_char,
    pub str2: *mut c_char,
    pub str3: *mut c_char,
    pub int1: c_int,
    /// The column, or 0 when not known.
    pub int2: c_int,
    pub ctxt: *mut c_void,
    pub node: *mut c_void,
}

/// The head of `struct _xmlNode` (tree.h): the fields every node kind starts with.
#[repr(C)]
pub struct XmlNodeHead {
    pub private: *mut c_void,
    pub node_type: c_int,
    pub name: *const c_char,
}

/// `startElementNsSAX2Func`.
pub type StartElementNs = Option<
    unsafe extern "C" fn(
        ctx: *mut c_void,
        localname: *const c_char,
        prefix: *const c_char,
        uri: *const c_char,
        nb_namespaces: c_int,
        namespaces: *mut *const c_char,
        nb_attributes: c_int,
        nb_defaulted: c_int,
        attributes: *mut *const c_char,
    ),
>;
/// `endElementNsSAX2Func`.
pub type EndElementNs =
    Option<unsafe extern "C" fn(ctx: *mut c_void, localname: *const c_char, prefix: *const c_char, uri: *const c_char)>;
/// `charactersSAXFunc` (also `ignorableWhitespaceSAXFunc` and `cdataBlockSAXFunc`).
pub type Characters = Option<unsafe extern "C" fn(ctx: *mut c_void, ch: *const c_char, len: c_int)>;

/// `struct _xmlSAXHandler` (parser.h), field for field. Callbacks this crate does not set are
/// plain null pointers.
#[repr(C)]
pub struct XmlSaxHandler {
    pub internal_subset: *const c_void,
    pub is_standalone: *const c_void,
    pub has_internal_subset: *const c_void,
    pub has_external_subset: *const c_void,
    pub resolve_entity: *const c_void,
    pub get_entity: *const c_void,
    pub entity_decl: *const c_void,
    pub notation_decl: *const c_void,
    pub attribute_decl: *const c_void,
    pub element_decl: *const c_void,
    pub unparsed_entity_decl: *const c_void,
    pub set_document_locator: *const c_void,
    pub start_document: *const c_void,
    pub end_document: *const c_void,
    pub start_element: *const c_void,
    pub end_element: *const c_void,
    pub reference: *const c_void,
    pub characters: Characters,
    pub ignorable_whitespace: Characters,
    pub processing_instruction: *const c_void,
    pub comment: *const c_void,
    pub warning: *const c_void,
    pub error: *const c_void,
    pub fatal_error: *const c_void,
    pub get_parameter_entity: *const c_void,
    pub cdata_block: Characters,
    pub external_subset: *const c_void,
    pub initialized: u32,
    pub private: *mut c_void,
    pub start_element_ns: StartElementNs,
    pub end_element_ns: EndElementNs,
    pub serror: StructuredErrorFunc,
}

impl XmlSaxHandler {
    /// No callback set, not marked SAX2.
    pub const EMPTY: XmlSaxHandler = XmlSaxHandler {
        internal_subset: ptr::null(),
        is_standalone: ptr::null(),
        has_internal_subset: ptr::null(),
        has_external_subset: ptr::null(),
        resolve_entity: ptr::null(),
        get_entity: ptr::null(),
        entity_decl: ptr::null(),
        notation_decl: ptr::null(),
        attribute_decl: ptr::null(),
        element_decl: ptr::null(),
        unparsed_entity_decl: ptr::null(),
        set_document_locator: ptr::null(),
        start_document: ptr::null(),
        end_document: ptr::null(),
        start_element: ptr::null(),
        end_element: ptr::null(),
        reference: ptr::null(),
        characters: None,
        ignorable_whitespace: None,
        processing_instruction: ptr::null(),
        comment: ptr::null(),
        warning: ptr::null(),
        error: ptr::null(),
        fatal_error: ptr::null(),
        get_parameter_entity: ptr::null(),
        cdata_block: None,
        external_subset: ptr::null(),
        initialized: 0,
        private: ptr::null_mut(),
        start_element_ns: None,
        end_element_ns: None,
        serror: None,
    };
}

/// `xmlStructuredErrorFunc`.
pub type StructuredErrorFunc = Option<unsafe extern "C" fn(user_data: *mut c_void, error: *mut XmlError)>;
/// `xmlGenericErrorFunc` (variadic: only stored and restored here, never defined in Rust).
pub type GenericErrorFunc = Option<unsafe extern "C" fn(ctx: *mut c_void, msg: *const c_char, ...)>;
/// `xmlInputReadCallback`.
pub type InputReadCallback =
    Option<unsafe extern "C" fn(context: *mut c_void, buffer: *mut c_char, len: c_int) -> c_int>;
/// `xmlInputCloseCallback`.
pub type InputCloseCallback = Option<unsafe extern "C" fn(context: *mut c_void) -> c_int>;
/// `xmlInputMatchCallback`.
pub type InputMatchCallback = Option<unsafe extern "C" fn(uri: *const c_char) -> c_int>;
/// `xmlInputOpenCallback`.
pub type InputOpenCallback = Option<unsafe extern "C" fn(uri: *const c_char) -> *mut c_void>;

unsafe extern "C" {
    pub fn xmlInitParser();
    pub fn xmlSchemaInitTypes();

    pub fn xmlSchemaNewParserCtxt(url: *const c_char) -> *mut c_void;
    pub fn xmlSchemaSetParserStructuredErrors(ctxt: *mut c_void, serror: StructuredErrorFunc, ctx: *mut c_void);
    pub fn xmlSchemaParse(ctxt: *mut c_void) -> *mut c_void;
    pub fn xmlSchemaFreeParserCtxt(ctxt: *mut c_void);
    pub fn xmlSchemaFree(schema: *mut c_void);

    pub fn xmlSchemaNewValidCtxt(schema: *mut c_void) -> *mut c_void;
    pub fn xmlSchemaSetValidStructuredErrors(ctxt: *mut c_void, serror: StructuredErrorFunc, ctx: *mut c_void);
    pub fn xmlSchemaValidateSetFilename(ctxt: *mut c_void, filename: *const c_char);
    pub fn xmlSchemaValidateStream(
        ctxt: *mut c_void,
        input: *mut c_void,
        enc: c_int,
        sax: *mut XmlSaxHandler,
        user_data: *mut c_void,
    ) -> c_int;
    pub fn xmlSchemaFreeValidCtxt(ctxt: *mut c_void);
    pub fn xmlSchemaValidCtxtGetParserCtxt(ctxt: *mut c_void) -> *mut c_void;
    pub fn xmlSAX2GetLineNumber(ctx: *mut c_void) -> c_int;
    pub fn xmlSAX2GetColumnNumber(ctx: *mut c_void) -> c_int;

    pub fn xmlParserInputBufferCreateIO(
        ioread: InputReadCallback,
        ioclose: InputCloseCallback,
        ioctx: *mut c_void,
        enc: c_int,
    ) -> *mut c_void;

    pub fn xmlRegisterInputCallbacks(
        matchfn: InputMatchCallback,
        openfn: InputOpenCallback,
        readfn: InputReadCallback,
        closefn: InputCloseCallback,
    ) -> c_int;

    // The error handlers of the calling thread (globals.h: per thread in a threaded libxml2).
    pub fn __xmlStructuredError() -> *mut StructuredErrorFunc;
    pub fn __xmlStructuredErrorContext() -> *mut *mut c_void;
    pub fn __xmlGenericError() -> *mut GenericErrorFunc;
    pub fn __xmlGenericErrorContext() -> *mut *mut c_void;
    pub fn xmlSetStructuredErrorFunc(ctx: *mut c_void, handler: StructuredErrorFunc);
    pub fn xmlSetGenericErrorFunc(ctx: *mut c_void, handler: GenericErrorFunc);

    // libc: a sink for the few messages libxml2 prints with its generic (printf-like) handler.
    pub fn fopen(path: *const c_char, mode: *const c_char) -> *mut c_void;
}
