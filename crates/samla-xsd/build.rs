//! Links the system libxml2 (Debian: `libxml2-dev`). `pkg-config` is asked for the library's
//! folder when it is there; otherwise the linker's default search path is used.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    let out = Command::new("pkg-config").args(["--libs-only-L", "libxml-2.0"]).output().ok();
    if let Some(out) = out.as_ref().filter(|out| out.status.success()) {
        for dir in String::from_utf8_lossy(&out.stdout).split_whitespace() {
            if let Some(dir) = dir.strip_prefix("-L") {
                println!("cargo:rustc-link-search=native={dir}");
            }
        }
    }
    println!("cargo:rustc-link-lib=xml2");
}
