//! An axum app served on a listener by a runtime on a thread of its own, so async tests
//! and plain programs alike can run the fakes; stopped when dropped.

use std::net::{SocketAddr, TcpListener};

/// A running app.
pub struct Served {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// A loopback listener on a free port and a runtime of two workers, to build an app
/// with (its handlers may spawn on the runtime) before [`Served::start`].
pub fn listener_and_runtime() -> std::io::Result<(TcpListener, tokio::runtime::Runtime)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    Ok((listener, runtime))
}

impl Served {
    /// Serves `app` on `listener` with `runtime` until dropped.
    pub fn start(
        listener: TcpListener,
        runtime: tokio::runtime::Runtime,
        app: axum::Router,
    ) -> std::io::Result<Served> {
        let addr = listener.local_addr()?;
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.await;
                    })
                    .await;
            });
            runtime.shutdown_background();
        });
        Ok(Served {
            addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// Lets the thread run on when dropped instead of waiting for it (answers that never
    /// end would keep it forever); it is still told to stop.
    pub fn detach_on_drop(&mut self) {
        self.thread.take();
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
