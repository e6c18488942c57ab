//! The `zhan` command: a thin layer over the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use zhan::diagnostics::Renderer;
use zhan::pipeline::{self as pipeline, Options};
use zhan::scaffold;

#[derive(Parser)]
#[command(
    name = "zhan",
    version,
    about = "Static sites for community social-work stations (社工站)"
)]
struct Cli {
    /// The site folder: the one with site.yaml and content/.
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the whole site into the output folder.
    Build {
        /// Where to write the site (default: output/ in the site folder).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Include files with `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// The address the site will be published at (overrides site.yaml).
        #[arg(long)]
        base_url: Option<String>,
        /// Print how long each stage took.
        #[arg(long)]
        timings: bool,
    },
    /// Build the site, show it on a local web address, and rebuild and
    /// reload the browser on every save.
    Serve {
        /// The port to listen on.
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// The address to listen on; 0.0.0.0 lets phones on the same network see it.
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
        /// Include files with `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Print how long each stage of each rebuild took.
        #[arg(long)]
        timings: bool,
    },
    /// Build the site into the output folder and rebuild on every save, without a server.
    Watch {
        /// Include files with `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Print how long each stage of each rebuild took.
        #[arg(long)]
        timings: bool,
    },
    /// Check everything a build checks, without writing anything.
    Check {
        /// Include files with `draft: true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Make a new site in DIR from the demo content and the default theme.
    Init {
        /// A new or empty folder.
        dir: PathBuf,
    },
    /// Make a new content file to fill in, e.g. `zhan new service huidong/laoren-tanfang`.
    New {
        /// station, service, organization, course, lesson, project, report, news or page.
        kind: String,
        /// Where: `<id>`, or `<station>/<id>` for a service, `<course>/<id>` for a lesson.
        path: String,
    },
}

fn print_refusal(message: &str, hint: &str) {
    let color = Renderer::stderr_wants_color();
    let (red, bold, reset) = if color {
        ("\x1b[31m", "\x1b[1m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    eprintln!("{bold}{red}error:{reset} {bold}{message}{reset}\n  = hint: {hint}");
}

fn print_diagnostics(report: &pipeline::Report) {
    let read_source = |file: &str| -> Option<String> {
        let bytes = std::fs::read(file).ok()?;
        zhan::load::decode(&bytes).ok()
    };
    let renderer = Renderer {
        source_of: &read_source,
        color: Renderer::stderr_wants_color(),
    };
    renderer.render_all(report.diagnostics.iter(), |text| eprint!("{text}"));
}

fn report_build(report: &pipeline::Report, action: &str) -> ExitCode {
    print_diagnostics(report);
    let errors = report.diagnostics.error_count();
    let warnings = report.diagnostics.warning_count();
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    if errors > 0 {
        let kept = if action == "build" {
            "; the previous output was left as it was"
        } else {
            ""
        };
        eprintln!(
            "{action} failed: {} and {}{kept}",
            plural(errors, "error"),
            plural(warnings, "warning")
        );
        return ExitCode::from(1);
    }
    match &report.written_to {
        Some(path) if report.up_to_date => eprintln!(
            "nothing changed since the last build: {} pages in {} are up to date ({})",
            report.pages,
            path.display(),
            plural(warnings, "warning")
        ),
        Some(path) => eprintln!(
            "built {} pages and copied {} files into {} ({})",
            report.pages,
            report.copied,
            path.display(),
            plural(warnings, "warning")
        ),
        None => eprintln!(
            "checked {} pages: no errors ({})",
            report.pages,
            plural(warnings, "warning")
        ),
    }
    ExitCode::SUCCESS
}

/// Prints what each build found, and a line per rebuild.
struct Terminal {
    builds: usize,
    timings: bool,
}

fn print_timings(report: &pipeline::Report) {
    let parts: Vec<String> = report
        .timings
        .iter()
        .map(|(stage, took)| format!("{stage} {:.1} ms", took.as_secs_f64() * 1000.0))
        .collect();
    eprintln!("  ({})", parts.join(", "));
}

impl zhan::serve::Reporter for Terminal {
    fn report(&mut self, report: &pipeline::Report, took: f64) {
        self.builds += 1;
        if self.builds == 1 || !report.succeeded() {
            report_build(report, "build");
            if self.builds > 1 {
                eprintln!("the last good site is still served; fix the errors and save");
            }
            return;
        }
        print_diagnostics(report);
        if report.pages > 0 || report.copied > 0 {
            let what = if report.everything {
                "every page".to_string()
            } else {
                format!("{} pages", report.pages)
            };
            eprintln!("rebuilt {what} in {took:.0} ms");
        }
        if self.timings {
            print_timings(report);
        }
    }
    fn say(&mut self, text: &str) {
        eprintln!("{text}");
    }
}

fn serve(
    root: PathBuf,
    bind: &str,
    port: u16,
    drafts: bool,
    open: bool,
    timings: bool,
) -> ExitCode {
    let listener = match std::net::TcpListener::bind((bind, port)) {
        Ok(l) => l,
        Err(e) => {
            print_refusal(
                &format!("cannot listen on {bind}:{port}: {e}"),
                "another program may use this port; try --port 1112",
            );
            return ExitCode::from(2);
        }
    };
    // With --port 0 the system picks a free port; say which.
    let port = listener.local_addr().map_or(port, |a| a.port());
    let everywhere = bind == "0.0.0.0" || bind == "::";
    let host = if everywhere { "127.0.0.1" } else { bind };
    let url = format!("http://{host}:{port}/");
    let mut ready = format!("serving the site at {url}  (watching for changes; Ctrl+C to stop)");
    if everywhere {
        match zhan::serve::local_network_address() {
            Some(ip) => ready.push_str(&format!(
                "\non a phone on the same network, type: http://{ip}:{port}/"
            )),
            None => ready.push_str(&format!(
                "\non a phone on the same network, type http://<this computer's address>:{port}/"
            )),
        }
    }
    let options = Options {
        root,
        output: None,
        drafts,
        base_url: Some(url.clone()),
        write: true,
    };
    let opened = open.then_some(url.as_str());
    match zhan::serve::serve(
        options,
        listener,
        &ready,
        opened,
        &mut Terminal { builds: 0, timings },
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            print_refusal(&e, "check the site folder and start again");
            ExitCode::from(2)
        }
    }
}

fn watch(root: PathBuf, drafts: bool, timings: bool) -> ExitCode {
    let options = Options {
        root,
        output: None,
        drafts,
        base_url: None,
        write: true,
    };
    eprintln!(
        "watching {} for changes (Ctrl+C to stop)",
        options.root.display()
    );
    match zhan::serve::watch_only(options, &mut Terminal { builds: 0, timings }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            print_refusal(&e, "check the site folder and start again");
            ExitCode::from(2)
        }
    }
}
/// Cargo.toml says why this allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            output,
            drafts,
            base_url,
            timings,
        } => {
            let options = Options {
                root: cli.root,
                output,
                drafts,
                base_url,
                write: true,
            };
            let report = pipeline::run(&options);
            if timings {
                for (stage, took) in &report.timings {
                    eprintln!("{stage:>10}: {:>7.1} ms", took.as_secs_f64() * 1000.0);
                }
            }
            report_build(&report, "build")
        }
        Command::Serve {
            port,
            bind,
            open,
            drafts,
            timings,
        } => serve(cli.root, &bind, port, drafts, open, timings),
        Command::Watch { drafts, timings } => watch(cli.root, drafts, timings),
        Command::Check { drafts } => {
            let options = Options {
                root: cli.root,
                output: None,
                drafts,
                base_url: None,
                write: false,
            };
            report_build(&pipeline::run(&options), "check")
        }
        Command::Init { dir } => match scaffold::init(&dir) {
            Ok(count) => {
                eprintln!("made a new site in {} ({count} files)", dir.display());
                eprintln!("next: cd {} && zhan build   (or zhan serve)", dir.display());
                ExitCode::SUCCESS
            }
            Err(r) => {
                print_refusal(&r.message, &r.hint);
                ExitCode::from(2)
            }
        },
        Command::New { kind, path } => match scaffold::new_item(&cli.root, &kind, &path) {
            Ok(file) => {
                eprintln!(
                    "wrote {}: fill in its fields, then run `zhan build`",
                    file.display()
                );
                ExitCode::SUCCESS
            }
            Err(r) => {
                print_refusal(&r.message, &r.hint);
                ExitCode::from(2)
            }
        },
    }
}
