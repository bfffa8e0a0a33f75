//! Output folders that appear whole or not at all.
//!
//! A folder is written as `<out>.partial` and renamed into place at the end, so a run that
//! is killed leaves nothing under the final name, and the next run starts again from
//! nothing, which gives the same bytes.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// `<out>.partial`, beside `out`.
///
/// ```
/// use std::path::Path;
/// assert_eq!(samla_noark5::atomic::partial_dir(Path::new("ut/ski")), Path::new("ut/ski.partial"));
/// ```
pub fn partial_dir(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

/// Builds the folder `out` (absent or empty) whole or not at all: `build` writes into
/// [`partial_dir`], which is renamed to `out` when it succeeds and removed when it fails.
/// What a killed run left in `<out>.partial` is removed first.
pub fn build_dir<T>(out: &Path, build: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    let io = |p: &Path| {
        let p = p.display().to_string();
        move |e| Error::io(p, e)
    };
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
        fs::remove_dir_all(&dir).unwrap();
    }
}
