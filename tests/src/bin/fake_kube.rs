//! Runs the fake Kubernetes API server until interrupted, with a kubeconfig for it, to
//! poke at with `kubectl` by hand:
//!
//! ```sh
//! cargo run -p sluice-tests --bin fake_kube -- /tmp/fake   # prints KUBECONFIG=...
//! KUBECONFIG=/tmp/fake/kubeconfig kubectl apply -f crds/
//! ```

fn main() {
    let dir = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&dir).expect("directory for the kubeconfig");
    let server = sluice_tests::fake_kube::FakeKube::start().expect("server");
    let config = server.kubeconfig(&dir).expect("kubeconfig");
    println!("serving {}", server.url());
    println!("KUBECONFIG={}", config.display());
    loop {
        std::thread::park();
    }
}
