//! Generates include/neurobatch.h with cbindgen (committed; CI checks it is
//! current) and sets the shared library's SONAME.

use std::path::PathBuf;

/// Must equal `ffi::version::ABI_VERSION`; a test checks the header against it.
const ABI_VERSION: u32 = 0;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        // Without a SONAME, consumers record the absolute build path in DT_NEEDED.
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libneurobatch.so.{ABI_VERSION}");
    }
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");

    let v = |k: &str| std::env::var(k).expect("set by cargo");
    let (major, minor, patch) = (v("CARGO_PKG_VERSION_MAJOR"), v("CARGO_PKG_VERSION_MINOR"), v("CARGO_PKG_VERSION_PATCH"));
    let number = major.parse::<u32>().unwrap() * 10000 + minor.parse::<u32>().unwrap() * 100 + patch.parse::<u32>().unwrap();
    let version_block = format!(
        "\n/* Version of this header; compare with nb_version_number() and nb_abi_version() at run time. */\n\
         #define NB_VERSION_MAJOR {major}\n#define NB_VERSION_MINOR {minor}\n#define NB_VERSION_PATCH {patch}\n\
         #define NB_VERSION_STRING \"{ver}\"\n#define NB_VERSION_NUMBER {number}\n#define NB_ABI_VERSION {ABI_VERSION}\n\
         /* True when this header is at least version a.b.c. */\n\
         #define NB_CHECK_VERSION(a, b, c) (NB_VERSION_NUMBER >= ((a) * 10000 + (b) * 100 + (c)))\n",
        ver = v("CARGO_PKG_VERSION")
    );

    let config = match cbindgen::Config::from_file(dir.join("cbindgen.toml")) {
        Ok(mut c) => {
            c.after_includes = Some(version_block);
            c
        }
        Err(e) => {
            println!("cargo:warning=cbindgen.toml: {e}; keeping the committed header");
            return;
        }
    };
    match cbindgen::Builder::new().with_crate(&dir).with_config(config).generate() {
        Ok(bindings) => {
            bindings.write_to_file(dir.join("include/neurobatch.h"));
        }
        // Keep the committed header, so rustc's own error is the one users see.
        Err(e) => println!("cargo:warning=cbindgen could not generate the header ({e}); keeping the committed one"),
    }
}
