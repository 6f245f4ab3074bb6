//! The real `kubectl` client, pointed at a kubeconfig (the fake API server's, or a real
//! cluster's), run from the workspace root so `-f crds/` and `-f examples/` resolve.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `kubectl` with one kubeconfig.
#[derive(Debug, Clone)]
pub struct Kubectl {
    config: PathBuf,
}

/// The workspace root.
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
}

impl Kubectl {
    /// `kubectl` using `config`; its discovery cache goes beside it.
    pub fn new(config: &Path) -> Kubectl {
        Kubectl {
            config: config.to_path_buf(),
        }
    }

    /// Runs `kubectl ARGS`: its standard output, or its standard error when it fails.
    pub fn run(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new("kubectl")
            .env("KUBECONFIG", &self.config)
            .arg("--cache-dir")
            .arg(self.config.with_file_name("kube-cache"))
            .args(args)
            .current_dir(workspace_root())
            .output()
            .map_err(|e| format!("running kubectl: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// `kubectl get KIND NAME -o jsonpath=PATH`, empty when it fails.
    pub fn jsonpath(&self, kind: &str, name: &str, path: &str) -> String {
        self.run(&["get", kind, name, "-o", &format!("jsonpath={path}")])
            .unwrap_or_default()
    }
}
