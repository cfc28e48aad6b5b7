//! `pbxd`, the Rotary daemon: parses flags (interface.md), prepares the data dir and
//! store, binds SIP and HTTP, starts the engine and the API, logs `ready`, and stops
//! cleanly on SIGTERM/SIGINT. Start-up problems are one line on stderr and exit 2.

mod backend;
mod flags;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use rotary_engine::{Engine, EngineOptions};
use rotary_store::Store;

use crate::flags::Flags;

/// Exit status for every start-up failure (interface.md).
const EXIT_STARTUP: u8 = 2;

fn main() -> ExitCode {
    let flags = match flags::parse() {
        Ok(f) => f,
        Err(code) => return code,
    };
    init_logging(&flags);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&format!("cannot start runtime: {e}")),
    };
    match runtime.block_on(run(flags)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("{e:#}")),
    }
}

fn fail(msg: &str) -> ExitCode {
    let line = msg.replace('\n', " ");
    let _ = writeln!(std::io::stderr(), "pbxd: {line}");
    ExitCode::from(EXIT_STARTUP)
}

async fn run(flags: Flags) -> anyhow::Result<()> {
    // Signal handlers go in before anything is announced: a supervisor that sends SIGTERM
    // right after `ready` must get a clean stop, not the default kill.
    let stop = StopSignals::install().context("installing signal handlers")?;
    prepare_data_dir(&flags.data_dir)?;
    let mut store = Store::open(&flags.data_dir)
        .with_context(|| format!("data dir {}", flags.data_dir.display()))?;
    ensure_admin(&mut store, &flags.data_dir)?;
    let config = Arc::new(store.load_config().context("loading configuration")?);

    // HTTP first so that a taken port fails before SIP traffic is accepted.
    let http = tokio::net::TcpListener::bind(flags.http_bind)
        .await
        .map_err(|e| anyhow::anyhow!("--http-bind {}: {}", flags.http_bind, describe_io(&e)))?;
    let opts = EngineOptions {
        sip_bind: flags.sip_bind,
        rtp_ports: flags.rtp_ports,
        data_dir: flags.data_dir.clone(),
    };
    let engine = Engine::start(&opts, config).await.map_err(|e| match e {
        rotary_engine::EngineError::Transport(t) => {
            anyhow::anyhow!("--sip-bind {}: {}", flags.sip_bind, describe_transport(&t))
        }
        other => anyhow::anyhow!("{other}"),
    })?;

    let backend = Arc::new(backend::EngineBackend::new(
        engine.clone(),
        flags.data_dir.clone(),
    ));
    let certs = Arc::new(
        rotary_api::tls::TlsCerts::load_or_generate(&flags.data_dir)
            .context("HTTPS certificate")?,
    );
    let mut state = rotary_api::AppState::new(Arc::new(Mutex::new(store)), backend.clone());
    let system = state.system_settings();
    let https_bind = flags.https_bind.or_else(|| system.https_addr());
    let https = match https_bind {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| anyhow::anyhow!("--https-bind {addr}: {}", describe_io(&e)))?;
            state = state.with_tls(Arc::clone(&certs));
            Some((listener, addr))
        }
        None => None,
    };
    state.spawn_auto_backups();
    let mut http_app = rotary_api::router(state.clone());
    if let Some((listener, addr)) = https {
        if system.http_redirect {
            http_app = rotary_api::tls::redirect_to_https(http_app, addr.port());
        }
        tokio::spawn(rotary_api::tls::serve_https(
            listener,
            rotary_api::router(state),
            certs,
        ));
        tracing::info!(https = %addr, redirect = system.http_redirect, "serving HTTPS");
    }
    let app = http_app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let (stop_http_tx, stop_http_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(http, app)
            .with_graceful_shutdown(async {
                let _ = stop_http_rx.await;
            })
            .await;
    });
    backend.set_ready();
    tracing::info!(sip = %engine.sip_addr(), http = %flags.http_bind, "pbxd ready");

    stop.wait().await;
    tracing::info!("stopping");
    backend.set_not_ready();
    let _ = tokio::time::timeout(Duration::from_secs(3), engine.shutdown()).await;
    let _ = stop_http_tx.send(());
    let _ = tokio::time::timeout(Duration::from_secs(1), server).await;
    tracing::info!("stopped");
    Ok(())
}

/// Create the data dir and prove it is writable before anything else touches it.
fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("data dir {}: cannot create: {}", dir.display(), e))?;
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok")
        .map_err(|e| anyhow::anyhow!("data dir {}: not writable: {}", dir.display(), e))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// First start: create `admin` with PBX_ADMIN_PASSWORD or a random password written to
/// `DATA_DIR/initial-admin-password` (0600). There is never a working default.
fn ensure_admin(store: &mut Store, dir: &Path) -> anyhow::Result<()> {
    if store.get_user("admin").context("reading users")?.is_some() {
        return Ok(());
    }
    let (password, generated) = match std::env::var("PBX_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (random_password(), true),
    };
    store
        .upsert_user(&rotary_store::UserRecord {
            username: "admin".into(),
            password_hash: rotary_api::hash_password(&password),
            role: rotary_store::Role::Admin,
            extension: None,
        })
        .context("creating the admin user")?;
    if generated {
        let path = dir.join("initial-admin-password");
        write_private(&path, &format!("{password}\n"))
            .with_context(|| format!("writing {}", path.display()))?;
        tracing::warn!(file = %path.display(), "generated admin password (shown once): {password}");
    }
    Ok(())
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

fn random_password() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => "address in use".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::AddrNotAvailable => "address not available on this host".into(),
        _ => e.to_string(),
    }
}

fn describe_transport(e: &rotary_transport::TransportError) -> String {
    match e {
        rotary_transport::TransportError::Bind { proto, source, .. } => {
            format!("{proto}: {}", describe_io(source))
        }
        other => other.to_string(),
    }
}

fn init_logging(flags: &Flags) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| tracing_subscriber::EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| {
            tracing_subscriber::EnvFilter::new(format!(
                "{},hyper=warn,tower=warn,rusqlite_migration=warn",
                flags.log_level
            ))
        });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if flags.json_logs {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// SIGTERM and SIGINT, registered once at startup so no signal can arrive unhandled.
struct StopSignals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    async fn wait(mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
    }
}
