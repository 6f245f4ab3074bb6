//! `make bench-manifest`: updating 20 dependencies in a darc-layout manifest of 500
//! (Version.Details.xml + Versions.props + global.json), against a baseline run in the
//! same invocation: a plain parse of the same three files (every XML event through
//! quick-xml with end names checked, global.json through the manifest's JSON reader),
//! the least any update has to do. Criterion runs both; at the end the bench prints the
//! median of each, their ratio, the input size, the cost per KiB and the goal.
//!
//! Instruction counts, which unlike times repeat exactly from run to run:
//!
//! ```sh
//! valgrind --tool=callgrind --toggle-collect='sluice_core::manifest::update' \
//!     target/release/deps/manifest_update-* --bench --profile-time 2 'manifest/update'
//! callgrind_annotate --inclusive=yes callgrind.out.*
//! ```
//!
//! (instructions per update: the total over the number of calls of `manifest::update`).

use std::cell::RefCell;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use quick_xml::Reader;
use quick_xml::events::Event;
use sluice_core::manifest::json::Json;
use sluice_core::manifest::{self, Asset, BuildUpdate, ManifestFiles, paths};

/// Dependencies in the manifest, and how many of them the build moves.
const DEPENDENCIES: usize = 500;
const MOVED: usize = 20;
/// Criterion's measurement samples per benchmark; the summary is their median.
const SAMPLES: usize = 100;
/// What an update of this size should cost.
const GOAL: Duration = Duration::from_micros(500);

fn name(i: usize) -> String {
    format!("Contoso.Package{}.Component-{}", i, i % 7)
}

fn files(n: usize) -> ManifestFiles {
    let mut vdx = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n",
    );
    let mut props = String::from("<Project>\n  <PropertyGroup>\n");
    let mut sdks = Vec::new();
    for i in 0..n {
        let name = name(i);
        vdx.push_str(&format!(
            "    <Dependency Name=\"{name}\" Version=\"1.0.0-beta.{i}.1\">\n      <Uri>https://github.com/contoso/repo{}</Uri>\n      <Sha>{:040x}</Sha>\n    </Dependency>\n",
            i % 10,
            i
        ));
        let prop: String = name.chars().filter(|c| *c != '.' && *c != '-').collect();
        props.push_str(&format!(
            "    <{prop}PackageVersion>1.0.0-beta.{i}.1</{prop}PackageVersion>\n"
        ));
        if i % 25 == 0 {
            sdks.push(format!("    \"{name}\": \"1.0.0-beta.{i}.1\""));
        }
    }
    vdx.push_str("  </ProductDependencies>\n  <ToolsetDependencies>\n  </ToolsetDependencies>\n</Dependencies>\n");
    props.push_str("  </PropertyGroup>\n</Project>\n");
    let global = format!(
        "{{\n  \"tools\": {{\n    \"dotnet\": \"9.0.100\"\n  }},\n  \"msbuild-sdks\": {{\n{}\n  }}\n}}\n",
        sdks.join(",\n")
    );
    let mut files = ManifestFiles::new();
    files.insert(paths::VERSION_DETAILS_XML.into(), vdx.into_bytes());
    files.insert(paths::VERSIONS_PROPS.into(), props.into_bytes());
    files.insert(paths::GLOBAL_JSON.into(), global.into_bytes());
    files
}

fn build() -> BuildUpdate {
    BuildUpdate {
        source_repo: "https://github.com/contoso/repo0".into(),
        commit: "f".repeat(40),
        assets: (0..MOVED)
            .map(|k| Asset {
                name: name(k * DEPENDENCIES / MOVED),
                version: "2.0.0".into(),
                locations: vec![],
            })
            .collect(),
        source_global_json: None,
        coherent_parents: Vec::new(),
    }
}

/// The baseline: reads every file once, as plainly as a checking parser can (never
/// inlined, so a profile can single it out).
#[inline(never)]
fn plain_parse(files: &ManifestFiles) -> usize {
    let mut events = 0;
    for path in [paths::VERSION_DETAILS_XML, paths::VERSIONS_PROPS] {
        let mut reader = Reader::from_reader(&files[path][..]);
        reader.config_mut().check_end_names = true;
        loop {
            match reader.read_event().expect("well-formed") {
                Event::Eof => break,
                _ => events += 1,
            }
        }
    }
    let json = Json::parse(&files[paths::GLOBAL_JSON]).expect("well-formed");
    events + json.members().len()
}

/// Per-iteration times of the samples criterion takes through `iter_custom`.
#[derive(Default)]
struct Samples(RefCell<Vec<Duration>>);

impl Samples {
    /// Runs `f` `iters` times, records the mean and returns the total.
    fn time<T>(&self, iters: u64, mut f: impl FnMut() -> T) -> Duration {
        let start = Instant::now();
        for _ in 0..iters {
            black_box(f());
        }
        let total = start.elapsed();
        let per_iter = total / u32::try_from(iters.max(1)).unwrap_or(u32::MAX);
        self.0.borrow_mut().push(per_iter);
        total
    }

    /// The median of the last [`SAMPLES`] (the measurement; warm-up runs come first).
    fn median(&self) -> Option<Duration> {
        let all = self.0.borrow();
        let mut last: Vec<Duration> = all[all.len().saturating_sub(SAMPLES)..].to_vec();
        last.sort();
        last.get(last.len() / 2).copied()
    }
}

fn bench(c: &mut Criterion) {
    let files = files(DEPENDENCIES);
    let build = build();
    let changes = manifest::update(&files, &build).expect("update succeeds");
    assert_eq!(changes.updates.len(), MOVED);
    assert_eq!(changes.files.len(), 3);

    let (update, baseline) = (Samples::default(), Samples::default());
    let mut group = c.benchmark_group("manifest");
    group.sample_size(SAMPLES);
    group.bench_function("update", |b| {
        b.iter_custom(|iters| {
            update.time(iters, || {
                manifest::update(black_box(&files), black_box(&build))
            })
        })
    });
    group.bench_function("baseline", |b| {
        b.iter_custom(|iters| baseline.time(iters, || plain_parse(black_box(&files))))
    });
    group.finish();
    if let (Some(update), Some(baseline)) = (update.median(), baseline.median()) {
        report(&files, update, baseline);
    }
}

fn report(files: &ManifestFiles, update: Duration, baseline: Duration) {
    let kib = |bytes: usize| bytes as f64 / 1024.0;
    let sizes: Vec<String> = files
        .iter()
        .map(|(path, text)| format!("{path} {:.1}", kib(text.len())))
        .collect();
    let total = kib(files.values().map(Vec::len).sum());
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let per_kib = |d: Duration| d.as_secs_f64() * 1e6 / total;
    println!();
    println!("input: {} KiB = {total:.1} KiB", sizes.join(" + "));
    println!(
        "update {MOVED} of {DEPENDENCIES} dependencies: {:.3} ms  ({:.2} us per KiB)",
        ms(update),
        per_kib(update)
    );
    println!(
        "baseline, plain parse of the same files: {:.3} ms  ({:.2} us per KiB)",
        ms(baseline),
        per_kib(baseline)
    );
    println!(
        "update / baseline: {:.2}x",
        update.as_secs_f64() / baseline.as_secs_f64().max(1e-12)
    );
    let verdict = if update < GOAL { "met" } else { "not met" };
    println!("goal: an update under {:.1} ms: {verdict}", ms(GOAL));
}

criterion_group!(benches, bench);
criterion_main!(benches);
