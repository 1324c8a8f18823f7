//! Writes the conformance vectors, their expected JSON and the manifest into
//! conformance/. Run after a deliberate format change:
//!
//!     cargo run --release --example gen_conformance
//!
//! `tests/conformance.rs` fails whenever the committed files differ from
//! what this writes, so vectors change only on purpose.

#[path = "../conformance/generate.rs"]
mod generate;

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance");
    let vectors = generate::vectors();
    for dir in ["vectors/valid", "vectors/invalid"] {
        let d = root.join(dir);
        if d.exists() {
            std::fs::remove_dir_all(&d)?;
        }
        std::fs::create_dir_all(&d)?;
    }
    for (path, bytes) in generate::files(&vectors)? {
        std::fs::write(root.join(path), bytes)?;
    }
    eprintln!(
        "gen_conformance: wrote {} vectors under {}",
        vectors.len(),
        root.display()
    );
    Ok(())
}
