//! Outputs that appear whole or not at all, and one writer per output.
//!
//! A folder or file is written as `<name>.partial` and renamed into place at the end, so a
//! run that is killed leaves nothing under the final name, and the next run starts again
//! from nothing, which gives the same bytes. An [`OutputLock`] keeps a second samla from
//! writing the same output at the same time.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// `<path>.<suffix>`, beside `path`.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

/// Writes the file `path` whole or not at all: `write` fills `<path>.partial`, which is
/// synced and renamed to `path`, or removed if anything fails.
pub fn write_file(path: &Path, write: impl FnOnce(&mut fs::File) -> io::Result<()>) -> io::Result<()> {
    let partial = beside(path, "partial");
    let result = (|| {
        let mut file = fs::File::create(&partial)?;
        write(&mut file)?;
        file.flush()?;
        file.sync_all()?;
        fs::rename(&partial, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&partial);
    }
    result
}

/// Writes `bytes` to `path` whole or not at all, as [`write_file`] does; an error names the path.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    write_file(path, |f| f.write_all(bytes)).map_err(|e| Error::io(path.display().to_string(), e))
}

/// A writer that keeps the first error its inner writer gave. Some libraries (polars'
/// Parquet writer) report a failed write as a broken file ("Invalid thrift: transport
/// error"); its [`Cause`] gives the real cause, such as a full disk.
#[derive(Debug)]
pub struct FirstError<W> {
    inner: W,
    failed: Cause,
}

/// The first error of a [`FirstError`] writer, readable after the writer was given away.
#[derive(Debug, Clone, Default)]
pub struct Cause(std::sync::Arc<std::sync::Mutex<Option<(io::ErrorKind, String)>>>);

impl Cause {
    /// The first write error, if there was one.
    pub fn get(&self) -> Option<io::Error> {
        let held = self.0.lock().unwrap_or_else(|p| p.into_inner());
        held.as_ref().map(|(kind, message)| io::Error::new(*kind, message.clone()))
    }
}

impl<W: Write> FirstError<W> {
    /// Wraps `inner`; the [`Cause`] reads its first error later.
    pub fn new(inner: W) -> (FirstError<W>, Cause) {
        let cause = Cause::default();
        (FirstError { inner, failed: cause.clone() }, cause)
    }

    fn note<T>(&self, result: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &result {
            let mut held = self.failed.0.lock().unwrap_or_else(|p| p.into_inner());
            held.get_or_insert_with(|| (e.kind(), e.to_string()));
        }
        result
    }
}

impl<W: Write> Write for FirstError<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(buf);
        self.note(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.note(result)
    }
}

/// A file being written under a temporary name: removed when dropped, unless it was
/// [`kept`](Self::keep) (renamed into place), so that no error path leaves it behind.
#[derive(Debug)]
pub struct PartialFile {
    path: PathBuf,
    keep: bool,
}

impl PartialFile {
    /// Watches `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        PartialFile { path: path.into(), keep: false }
    }

    /// The file is in place: leave it.
    pub fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// An exclusive lock on an output, held by this process until dropped: `<out>.lock`, locked
/// with `flock`, so that a killed holder releases it without leaving it stale. The file holds
/// the holder's process id, which a second writer is told.
#[derive(Debug)]
pub struct OutputLock {
    path: PathBuf,
    _file: fs::File,
}

impl OutputLock {
    /// Takes the lock on `out`, or says which process holds it.
    pub fn take(out: &Path) -> Result<OutputLock> {
        let path = beside(out, "lock");
        let io = |e| Error::io(path.display().to_string(), e);
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(io)?;
        }
        loop {
            let mut file =
                fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
            if !lock_exclusive(&file) {
                let holder = fs::read_to_string(&path).unwrap_or_default();
                let holder = holder.trim();
                let by = if holder.is_empty() { String::new() } else { format!(" (pid {holder})") };
                return Err(Error::new(
                    crate::ErrorKind::Io,
                    out.display().to_string(),
                    format!("another samla is writing {}{by}", out.display()),
                )
                .with_hint("wait for it to finish, or write to another folder"));
            }
            // The holder before us may have removed the file between our open and our lock:
            // then the lock is on a file nobody else will see. Try again on the new one.
            if !same_file(&file, &path) {
                continue;
            }
            file.set_len(0).map_err(io)?;
            write!(file, "{}", std::process::id()).map_err(io)?;
            return Ok(OutputLock { path, _file: file });
        }
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still locked, so that no one locks the old file after us.
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(target_os = "linux")]
fn lock_exclusive(file: &fs::File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor this process owns for the call's duration.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn lock_exclusive(_: &fs::File) -> bool {
    true
}

#[cfg(target_os = "linux")]
fn same_file(file: &fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(not(target_os = "linux"))]
fn same_file(_: &fs::File, path: &Path) -> bool {
    path.exists()
}

/// `<out>.partial`, beside `out`.
///
/// ```
/// use std::path::Path;
/// assert_eq!(samla_noark5::atomic::partial_dir(Path::new("ut/ski")), Path::new("ut/ski.partial"));
/// ```
pub fn partial_dir(out: &Path) -> PathBuf {
    beside(out, "partial")
}

/// Builds the folder `out` (absent or empty) whole or not at all: `build` writes into
/// [`partial_dir`], which is renamed to `out` when it succeeds and removed when it fails.
/// What a killed run left in `<out>.partial` is removed first. The output is locked
/// ([`OutputLock`]) meanwhile.
pub fn build_dir<T>(out: &Path, build: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    let io = |p: &Path| {
        let p = p.display().to_string();
        move |e| Error::io(p, e)
    };
    let _lock = OutputLock::take(out)?;
    if out.exists() && fs::read_dir(out).map_err(io(out))?.next().is_some() {
        return Err(Error::new(crate::ErrorKind::Io, out.display().to_string(), "the output folder is not empty")
            .with_hint("give a new folder, or empty this one"));
    }
    let partial = partial_dir(out);
    if partial.exists() {
        fs::remove_dir_all(&partial).map_err(io(&partial))?;
    }
    fs::create_dir_all(&partial).map_err(io(&partial))?;
    match build(&partial) {
        Ok(done) => {
            if out.exists() {
                fs::remove_dir(out).map_err(io(out))?;
            }
            fs::rename(&partial, out).map_err(io(out))?;
            if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
                // The rename itself is durable only once the folder holding it is synced.
                let _ = fs::File::open(parent).and_then(|d| d.sync_all());
            }
            Ok(done)
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&partial);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A disk with room for `room` bytes.
    struct Full {
        room: usize,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "No space left on device"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_first_write_error_is_kept_for_whoever_words_it_otherwise() {
        let (mut w, cause) = FirstError::new(Full { room: 4 });
        assert!(w.write_all(b"abcd").is_ok());
        assert!(cause.get().is_none());
        assert!(w.write_all(b"efgh").is_err());
        let _ = w.write_all(b"more");
        let e = cause.get().expect("the first error is kept");
        assert_eq!(e.kind(), io::ErrorKind::StorageFull);
        assert!(e.to_string().contains("No space left"), "{e}");
    }

    #[test]
    fn a_folder_appears_whole_or_not_at_all() {
        let dir = std::env::temp_dir().join(format!("samla-atomic-{}", std::process::id()));
        let out = dir.join("ut");
        // A killed run's leftovers are cleared.
        fs::create_dir_all(partial_dir(&out).join("old")).unwrap();
        let failed: Result<()> = build_dir(&out, |p| {
            fs::write(p.join("half.xml"), "<a>").unwrap();
            Err(Error::new(crate::ErrorKind::Io, "half.xml", "disk full"))
        });
        assert!(failed.is_err());
        assert!(!out.exists() && !partial_dir(&out).exists());
        fs::create_dir_all(&out).unwrap();
        build_dir(&out, |p| fs::write(p.join("whole.xml"), "<a/>").map_err(|e| Error::io("whole.xml", e))).unwrap();
        assert_eq!(fs::read_to_string(out.join("whole.xml")).unwrap(), "<a/>");
        assert!(!partial_dir(&out).exists());
        let again = build_dir(&out, |_| Ok(()));
        assert!(again.unwrap_err().to_string().contains("not empty"));

        // One writer at a time, and the lock goes with its holder.
        let other = dir.join("annen");
        let held = OutputLock::take(&other).unwrap();
        let refused = build_dir(&other, |_| Ok(())).unwrap_err().to_string();
        assert!(
            refused.contains(&format!("another samla is writing {} (pid {})", other.display(), std::process::id())),
            "{refused}"
        );
        drop(held);
        assert!(!beside(&other, "lock").exists());
        build_dir(&other, |_| Ok(())).unwrap();

        write_file(&dir.join("a.json"), |f| f.write_all(b"{}")).unwrap();
        assert!(write_file(&dir.join("b.json"), |_| Err(io::Error::other("full"))).is_err());
        assert!(!dir.join("b.json").exists() && !dir.join("b.json.partial").exists());
        assert_eq!(fs::read(dir.join("a.json")).unwrap(), b"{}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
