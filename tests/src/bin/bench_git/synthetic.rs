//! The synthetic repository the benchmark runs on: text-like blobs from a deterministic
//! generator, written with `git fast-import`, and its dependency manifest.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Stdio;

use sluice_tests::fixture_repo::{git, git_command};

use crate::BenchResult;

/// Where the manifest lives in the repository.
pub(crate) const MANIFEST: &str = "eng/Version.Details.xml";

/// A fast deterministic generator for text-like file contents.
struct Words(u64);

impl Words {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn fill(&mut self, out: &mut Vec<u8>, len: usize) {
        out.clear();
        while out.len() < len {
            let mut word = self.next();
            let word_len = 2 + (word % 9) as usize;
            for _ in 0..word_len {
                out.push(b'a' + (word % 26) as u8);
                word /= 26;
            }
            out.push(if self.next().is_multiple_of(12) {
                b'\n'
            } else {
                b' '
            });
        }
        out.truncate(len);
    }
}

/// The manifest at `version`: one dependency whose version and commit follow it.
pub(crate) fn manifest(version: u64) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n    \
         <Dependency Name=\"Contoso.Runtime\" Version=\"9.0.{version}\">\n      \
         <Uri>https://example.com/contoso/runtime</Uri>\n      <Sha>{version:040x}</Sha>\n    \
         </Dependency>\n  </ProductDependencies>\n</Dependencies>\n"
    )
}

/// Write the synthetic repository into the bare repository `bare` with fast-import.
pub(crate) fn build_repository(
    bare: &Path,
    files: u64,
    bytes: u64,
    commits: u64,
) -> BenchResult<()> {
    std::fs::create_dir_all(bare)?;
    git(
        bare,
        &["init", "--bare", "--quiet", "--initial-branch=main"],
    );
    let mut child = git_command(bare)
        .args(["fast-import", "--quiet", "--depth=10"])
        .stdin(Stdio::piped())
        .spawn()?;
    let stdin = child.stdin.take().ok_or("no stdin")?;
    let mut out = BufWriter::with_capacity(1 << 20, stdin);
    let mut words = Words(0x9e37_79b9_7f4a_7c15);
    let mut buf = Vec::new();
    let average = (bytes / files.max(1)) as usize;
    let mut time = 1_700_000_000_u64;
    for i in 0..files {
        let len = average / 2 + (words.next() as usize % average.max(1));
        words.fill(&mut buf, len);
        write!(out, "blob\nmark :{}\ndata {}\n", i + 1, buf.len())?;
        out.write_all(&buf)?;
        out.write_all(b"\n")?;
    }
    let message = "Initial import\n";
    write!(
        out,
        "commit refs/heads/main\ncommitter Bench <bench@example.com> {time} +0000\ndata {}\n{message}",
        message.len()
    )?;
    for i in 0..files {
        writeln!(out, "M 100644 :{} src/d{:03}/f{:06}.txt", i + 1, i / 500, i)?;
    }
    let text = manifest(0);
    write!(
        out,
        "M 100644 inline {MANIFEST}\ndata {}\n{text}\n",
        text.len()
    )?;
    for c in 1..commits {
        time += 60;
        let message = format!("Change {c}\n");
        write!(
            out,
            "commit refs/heads/main\ncommitter Bench <bench@example.com> {time} +0000\ndata {}\n{message}",
            message.len()
        )?;
        for _ in 0..3 {
            let i = words.next() % files;
            words.fill(&mut buf, average);
            write!(
                out,
                "M 100644 inline src/d{:03}/f{:06}.txt\ndata {}\n",
                i / 500,
                i,
                buf.len()
            )?;
            out.write_all(&buf)?;
            out.write_all(b"\n")?;
        }
        out.write_all(b"\n")?;
    }
    out.write_all(b"done\n")?;
    out.flush()?;
    drop(out);
    if !child.wait()?.success() {
        return Err("git fast-import failed".into());
    }
    Ok(())
}
