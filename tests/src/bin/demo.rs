//! `make demo`: a self-contained dependency flow through four repositories.

use std::process::ExitCode;
use std::time::Duration;

use sluice_tests::demo::{self, Options};

fn main() -> ExitCode {
    let keep = std::env::args().any(|a| a == "--keep");
    let tmp = match tempfile::Builder::new().prefix("sluice-demo-").tempdir() {
        Ok(t) => t,
        Err(err) => {
            eprintln!("cannot create a scratch directory: {err}");
            return ExitCode::FAILURE;
        }
    };
    let root = tmp.path().to_path_buf();
    println!("sluice demo in {}", root.display());
    println!(
        "repositories: runtime -> extensions -> aspnetcore -> sdk, plus runtime and extensions straight into sdk and aspnetcore (a diamond)"
    );
    println!(
        "merge policies: Standard into aspnetcore (checks, no requested changes, no downgrades, coherency), AllChecksSuccessful elsewhere\n"
    );
    let options = Options {
        root: root.clone(),
        timeout: Duration::from_secs(180),
        kills: 0,
        seed: 1,
        verbose: true,
    };
    let result = demo::run(&options);
    if keep {
        let _ = tmp.keep();
        println!("\nkept {}", root.display());
    }
    match result {
        Ok(report) => {
            println!("\npull requests:");
            for pr in &report.pull_requests {
                println!(
                    "  #{:<3} {:<11} {:<7} {}",
                    pr.number, pr.repository, pr.state, pr.title
                );
            }
            println!(
                "\nnewest builds: {}",
                report
                    .published
                    .iter()
                    .map(|(r, v)| format!("{r} {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            println!(
                "\nfinal dependency versions (coherent: every path carries the newest build):"
            );
            for (repo, versions) in &report.versions {
                let list: Vec<String> = versions.iter().map(|(n, v)| format!("{n} {v}")).collect();
                println!(
                    "  {repo:<11} {}",
                    if list.is_empty() {
                        "(no dependencies)".to_string()
                    } else {
                        list.join(", ")
                    }
                );
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("demo failed: {err}");
            ExitCode::FAILURE
        }
    }
}
