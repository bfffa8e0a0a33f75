//! Where libxml2 may load schema documents from.
//!
//! The official schemas samla carries are loaded from memory under `samla-schemas:/…` URLs,
//! so that their relative imports (`metadatakatalog.xsd`) resolve among themselves. A network
//! location is never fetched: the one the official schemas import (XLink at loc.gov) is the
//! embedded copy, and any other is refused and remembered, so that the error can name it.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::Mutex;

use crate::ffi;

/// Network locations refused since the last [`take_refused`].
static REFUSED: Mutex<Vec<String>> = Mutex::new(Vec::new());

enum Source {
    Embedded { bytes: &'static [u8], at: usize },
    Refused,
}

fn is_ours(uri: &[u8]) -> bool {
    let lower = |prefix: &[u8]| uri.len() >= prefix.len() && uri[..prefix.len()].eq_ignore_ascii_case(prefix);
    lower(samla_schemas::SCHEME.as_bytes()) || lower(b"http://") || lower(b"https://") || lower(b"ftp://")
}

unsafe extern "C" fn matches(uri: *const c_char) -> c_int {
    if uri.is_null() {
        return 0;
    }
    // SAFETY: libxml2 passes a NUL-terminated string.
    is_ours(unsafe { CStr::from_ptr(uri) }.to_bytes()) as c_int
}

unsafe extern "C" fn open(uri: *const c_char) -> *mut c_void {
    // SAFETY: only called for URIs `matches` accepted, which are non-null and NUL-terminated.
    let uri = unsafe { CStr::from_ptr(uri) }.to_string_lossy();
    let source = match samla_schemas::resolve(&uri) {
        Some(file) => Source::Embedded { bytes: file.bytes, at: 0 },
        None => {
            REFUSED.lock().unwrap_or_else(|p| p.into_inner()).push(uri.into_owned());
            // Not null: a null context would make libxml2 try its next handler, the network.
            Source::Refused
        }
    };
    Box::into_raw(Box::new(source)).cast()
}

unsafe extern "C" fn read(context: *mut c_void, buffer: *mut c_char, len: c_int) -> c_int {
    // SAFETY: `context` is a `Source` from `open`, not yet closed; `buffer` holds `len` bytes.
    let source = unsafe { &mut *context.cast::<Source>() };
    match source {
        Source::Refused => -1,
        Source::Embedded { bytes, at } => {
            let n = (bytes.len() - *at).min(len.max(0) as usize);
            // SAFETY: see above; the ranges do not overlap (one is static, read-only data).
            unsafe { std::ptr::copy_nonoverlapping(bytes[*at..].as_ptr(), buffer.cast::<u8>(), n) };
            *at += n;
            n as c_int
        }
    }
}

unsafe extern "C" fn close(context: *mut c_void) -> c_int {
    // SAFETY: `context` came from `Box::into_raw` in `open` and is closed once.
    drop(unsafe { Box::from_raw(context.cast::<Source>()) });
    0
}

/// Installs the handlers; libxml2 asks the last registered first. Call once, after
/// `xmlInitParser` (which registers libxml2's own).
pub(crate) fn register() {
    // SAFETY: the callbacks have the signatures libxml2 expects and live for the process.
    unsafe { ffi::xmlRegisterInputCallbacks(Some(matches), Some(open), Some(read), Some(close)) };
}

/// The network locations refused since the last call.
pub(crate) fn take_refused() -> Vec<String> {
    std::mem::take(&mut *REFUSED.lock().unwrap_or_else(|p| p.into_inner()))
}
