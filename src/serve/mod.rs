//! Beside the pipeline: previewing the site while editing it.
//!
//! Three parts, each in its own module: [`http`] serves the output folder,
//! [`watch`] reports which files changed, [`reload`] tells open tabs and shows
//! errors; [`editor`] is the browser editor at `/_zhan/`, told of the site
//! after each build. This module is the policy between them: on each batch of changes,
//! update the workspace, then reload the tabs whose pages changed, or show the
//! errors and keep the last good site.

pub mod editor;
pub mod http;
pub mod reload;
pub mod watch;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};
use std::time::Instant;

use crate::diagnostics::Problem;
use crate::messages::{self, Arg};
use crate::pipeline::{Options, Report, Workspace};
use reload::Hub;

/// What the caller shows of each build (the CLI prints diagnostics).
pub trait Reporter {
    /// A build or rebuild finished; `took` is its wall time in milliseconds.
    fn report(&mut self, report: &Report, took: f64);
    /// Something to tell the person at the terminal.
    fn say(&mut self, text: &str);
}

/// Where a phone on the same network can reach this computer, if we can tell.
pub fn local_network_address() -> Option<std::net::IpAddr> {
    // Connecting a UDP socket sends nothing; it only picks the interface
    // the system would use, whose address is what other devices can reach.
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

/// Opens `url` in the default browser, best effort.
pub fn open_browser(url: &str) -> bool {
    let status = if cfg!(target_os = "windows") {
        std::process::Command::new("cmd")
            .args(["/C", "start", "", url])
            .status()
    } else if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).status()
    } else {
        std::process::Command::new("xdg-open").arg(url).status()
    };
    status.is_ok_and(|s| s.success())
}

/// Builds the site, serves it on `listener` and rebuilds on every change
/// until the process ends. `ready` is said once the site is served. With
/// `edit_on_network` (`--edit`), a server listening on the network has the
/// editor on too, behind a key said here ([`editor::lan`]).
pub fn serve(
    options: Options,
    listener: TcpListener,
    ready: &str,
    open: Option<&str>,
    edit_on_network: bool,
    reporter: &mut dyn Reporter,
) -> Result<(), Problem> {
    let hub = Arc::new(Hub::for_site(&options.root));
    let output = options.output_dir();
    let addr = listener.local_addr().ok();
    let mut editor = editor::Editor::new(&options.root, addr);
    if edit_on_network {
        editor = editor.on_network();
    }
    let editor = Arc::new(editor);
    // Serve at once: what the last build left in the output folder while the
    // first build runs (a large site takes seconds), then the new site.
    hub.set_building(true);
    let server_hub = Arc::clone(&hub);
    let server_editor = Arc::clone(&editor);
    std::thread::spawn(move || {
        http::serve(listener, output, Some(server_hub), Some(server_editor))
    });
    reporter.say(ready);
    if let (Some(key), Some(addr)) = (editor.network_key(), addr) {
        let colors = crate::diagnostics::Renderer::stderr_wants_color()
            && editor::lan::terminal_reads_colors();
        reporter.say(&editor::lan::announce(
            key,
            addr,
            local_network_address(),
            colors,
        ));
    }
    if let Some(url) = open {
        if !open_browser(url) {
            reporter.say(&messages::text(
                "serve.no-browser",
                &[("url", Arg::from(url))],
            ));
        }
    }
    let started = start(options, reporter, Some(&hub));
    // Also when the site could not even be watched.
    hub.set_building(false);
    let (mut ws, mut watcher) = started?;
    let early = Arc::clone(&hub);
    ws.on_pages_written(Box::new(move |paths| early.changed(paths, false)));
    // Shared with the editor, which renders previews of drafts from it
    // between rebuilds.
    let ws = Arc::new(RwLock::new(ws));
    editor.attach(Arc::clone(&ws));
    let site_changed = |ws: &Workspace| editor.site_changed(ws);
    site_changed(&read(&ws));
    rebuild_loop(&ws, &mut watcher, reporter, Some(&hub), &site_changed);
    Ok(())
}

/// Builds the site into the output folder and rebuilds on every change,
/// without a server (for people who serve the folder another way).
pub fn watch_only(options: Options, reporter: &mut dyn Reporter) -> Result<(), Problem> {
    let (ws, mut watcher) = start(options, reporter, None)?;
    rebuild_loop(&RwLock::new(ws), &mut watcher, reporter, None, &|_| {});
    Ok(())
}

fn start(
    options: Options,
    reporter: &mut dyn Reporter,
    hub: Option<&Hub>,
) -> Result<(Workspace, watch::SiteWatcher), Problem> {
    let root = std::fs::canonicalize(&options.root).map_err(|e| {
        Problem::new("E-SERVE-OPEN")
            .arg("folder", options.root.display().to_string())
            .arg("detail", e.to_string())
            .with_hint("H-SERVE-FOLDER")
    })?;
    let output = absolute(&options.output_dir());
    let started = Instant::now();
    let mut ws = Workspace::open(options);
    // Watching before the first build: a save while it runs is not lost.
    let theme = ws.theme_name().to_string();
    let watcher = watch::watch(&root, &output, &theme).map_err(|e| {
        Problem::new("E-SERVE-WATCH")
            .arg("folder", root.display().to_string())
            .arg("detail", e.to_string())
            .with_hint("H-SERVE-FOLDER")
    })?;
    let report = ws.build();
    if let Some(hub) = hub {
        hub.set_building(false);
        if report.succeeded() {
            // Tabs opened on the previous output, or on the waiting page.
            hub.changed(&[], true);
        } else {
            hub.failed(&report.diagnostics.iter().cloned().collect::<Vec<_>>());
        }
    }
    reporter.report(&report, started.elapsed().as_secs_f64() * 1000.0);
    Ok((ws, watcher))
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    })
}

/// The workspace to read (a panic elsewhere leaves it as it was).
pub fn read(ws: &RwLock<Workspace>) -> RwLockReadGuard<'_, Workspace> {
    ws.read().unwrap_or_else(PoisonError::into_inner)
}

fn rebuild_loop(
    ws: &RwLock<Workspace>,
    watcher: &mut watch::SiteWatcher,
    reporter: &mut dyn Reporter,
    hub: Option<&Hub>,
    site_changed: &dyn Fn(&Workspace),
) {
    while let Ok(batch) = watcher.batches.recv() {
        let started = Instant::now();
        let report = {
            let mut ws = ws.write().unwrap_or_else(PoisonError::into_inner);
            if batch.rescan {
                ws.rebuild_everything()
            } else {
                ws.update(&batch.paths)
            }
        };
        let took = started.elapsed().as_secs_f64() * 1000.0;
        if let Some(hub) = hub {
            if report.succeeded() {
                // Pages announced while the rest was written reloaded then.
                let rest: Vec<String> = report
                    .changed
                    .iter()
                    .filter(|p| report.announced.binary_search(p).is_err())
                    .cloned()
                    .collect();
                // Also when nothing changed but errors stood: a mistake
                // undone (the file saved again as the last good build had
                // it) leaves the output as it was, and the overlay must go.
                if !rest.is_empty() || report.everything || hub.overlay().is_some() {
                    hub.changed(&rest, report.everything);
                }
            } else {
                hub.failed(&report.diagnostics.iter().cloned().collect::<Vec<_>>());
            }
        }
        site_changed(&read(ws));
        reporter.report(&report, took);
        watcher.watch_new_folders();
    }
}
