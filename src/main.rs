//! The `zhan` command: a thin layer over the library.
//!
//! Every text it prints comes from the message catalogs (`src/messages/`):
//! Chinese by default, English with `--lang en` or `ZHAN_LANG=en`. The help
//! texts too: the derive below names the arguments, and `localized` puts in
//! their help from the catalog (`cli.<command>.<argument>`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgAction, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use zhan::diagnostics::{Problem, Renderer};
use zhan::messages::{self, Arg, Lang};
use zhan::pipeline::{self as pipeline, Options};
use zhan::scaffold;

#[derive(Parser)]
#[command(
    name = "zhan",
    version,
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true
)]
struct Cli {
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[arg(long, global = true, value_parser = ["zh-CN", "en"])]
    lang: Option<String>,
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    message_format: Format,
    #[arg(short = 'h', long, global = true, action = ArgAction::Help)]
    help: Option<bool>,
    #[arg(short = 'V', long, action = ArgAction::Version)]
    version: Option<bool>,
    #[command(subcommand)]
    command: Command,
}

// How diagnostics are printed: for people (the default), or one JSON object
// per line on stdout for editors and tests. (No doc comments: clap would
// show them as English help; the catalog has the help.)
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Subcommand)]
enum Command {
    Build {
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[arg(long)]
        drafts: bool,
        #[arg(long)]
        base_url: Option<String>,
        #[arg(long)]
        for_disk: bool,
        #[arg(long)]
        timings: bool,
    },
    Pack {
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[arg(long)]
        drafts: bool,
        #[arg(long)]
        base_url: Option<String>,
    },
    Serve {
        #[arg(long, default_value_t = 1111)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        #[arg(long)]
        open: bool,
        #[arg(long)]
        edit: bool,
        #[arg(long)]
        drafts: bool,
        #[arg(long)]
        timings: bool,
    },
    Watch {
        #[arg(long)]
        drafts: bool,
        #[arg(long)]
        timings: bool,
    },
    Check {
        #[arg(long)]
        drafts: bool,
    },
    Init {
        dir: PathBuf,
        #[arg(long)]
        empty: bool,
    },
    New {
        kind: String,
        path: String,
    },
}

/// The language asked for: `--lang` (read before clap, so that its help is
/// in that language too), else `ZHAN_LANG`, else Chinese. Never `LANG`, and
/// never site.yaml's `language` (the site's language, not the author's).
fn language() -> Lang {
    let args: Vec<String> = std::env::args().collect();
    let mut flag = None;
    for (i, arg) in args.iter().enumerate() {
        if arg == "--" {
            break;
        }
        if let Some(value) = arg.strip_prefix("--lang=") {
            flag = Some(value.to_string());
        } else if arg == "--lang" {
            flag = args.get(i + 1).cloned();
        }
    }
    flag.and_then(|v| Lang::parse(&v))
        .or_else(messages::lang_from_env)
        .unwrap_or(Lang::ZhCn)
}

/// The help texts of `cmd` and of its arguments and subcommands, from the
/// catalog of `lang`.
fn localized(cmd: clap::Command, lang: Lang) -> clap::Command {
    // A key missing from the catalogs shows as itself (a test checks there is none).
    let raw = |key: &str| -> &'static str {
        messages::lookup(lang, key).unwrap_or_else(|| Box::leak(key.to_string().into_boxed_str()))
    };
    let args_of = |mut cmd: clap::Command, scope: &str| {
        let ids: Vec<String> = cmd
            .get_arguments()
            .map(|a| a.get_id().to_string())
            .collect();
        for id in ids {
            let key = if matches!(
                id.as_str(),
                "root" | "lang" | "message_format" | "help" | "version"
            ) {
                format!("cli.{id}")
            } else {
                format!("cli.{scope}.{id}")
            };
            let help = raw(&key);
            let heading = if cmd
                .get_arguments()
                .find(|a| a.get_id() == id.as_str())
                .is_some_and(clap::Arg::is_positional)
            {
                raw("cli.heading-arguments")
            } else {
                raw("cli.heading-options")
            };
            // clap's own "[default: …]" is English: the catalog's help says it.
            cmd = cmd.mut_arg(id, |a| {
                let a = a.help(help).help_heading(heading);
                if a.get_action().takes_values() {
                    a.hide_default_value(true).hide_possible_values(true)
                } else {
                    a
                }
            });
        }
        cmd.help_template(raw("cli.template"))
    };
    let mut cmd = args_of(cmd, "zhan")
        .about(raw("cli.about"))
        .subcommand_help_heading(raw("cli.heading-commands"))
        .subcommand_value_name(raw("cli.value-command"));
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for name in names {
        let about = raw(&format!("cli.{name}.about"));
        cmd = cmd.mut_subcommand(&name, |sub| args_of(sub.about(about), &name));
    }
    cmd
}

/// Where diagnostics and refusals go, and in what form.
#[derive(Clone, Copy)]
struct Printer {
    lang: Lang,
    format: Format,
}

impl Printer {
    fn problem(&self, problem: &Problem) {
        match self.format {
            Format::Json => {
                let d = problem.clone().error_at("", zhan::diagnostics::Pos::START);
                let mut v = d.to_json(self.lang);
                v["file"] = serde_json::Value::Null;
                println!("{v}");
            }
            Format::Human => {
                eprint!(
                    "{}",
                    problem.render(self.lang, Renderer::stderr_wants_color())
                );
            }
        }
    }

    fn diagnostics(&self, report: &pipeline::Report) {
        if self.format == Format::Json {
            for d in report.diagnostics.iter() {
                println!("{}", d.to_json(self.lang));
            }
            return;
        }
        let read_source = |file: &str| -> Option<String> {
            let bytes = std::fs::read(file).ok()?;
            zhan::load::decode(&bytes).ok()
        };
        let renderer = Renderer {
            source_of: &read_source,
            color: Renderer::stderr_wants_color(),
            lang: self.lang,
        };
        renderer.render_all(report.diagnostics.iter(), |text| eprint!("{text}"));
    }
}

/// "3 个错误" / "1 error", "3 errors": `one` for 1, else `other`.
fn count(n: usize, one: &str, other: &str) -> Arg {
    let key = if n == 1 { one } else { other };
    Arg::Text(messages::text(key, &[("n", Arg::from(n))]))
}

fn report_build(printer: Printer, report: &pipeline::Report, action: &str) -> ExitCode {
    printer.diagnostics(report);
    let errors = count(
        report.diagnostics.error_count(),
        "ui.n-errors-one",
        "ui.n-errors",
    );
    let warnings = count(
        report.diagnostics.warning_count(),
        "ui.n-warnings-one",
        "ui.n-warnings",
    );
    if report.diagnostics.has_errors() {
        let key = if action == "build" {
            "ui.build-failed"
        } else {
            "ui.check-failed"
        };
        eprintln!(
            "{}",
            messages::text(key, &[("errors", errors), ("warnings", warnings)])
        );
        return ExitCode::from(1);
    }
    let pages = ("pages", Arg::from(report.pages));
    let line = match &report.written_to {
        Some(path) if report.up_to_date => messages::text(
            "ui.up-to-date",
            &[
                pages,
                ("folder", Arg::from(path.display().to_string())),
                ("warnings", warnings),
            ],
        ),
        Some(path) => messages::text(
            "ui.built",
            &[
                pages,
                ("copied", Arg::from(report.copied)),
                ("folder", Arg::from(path.display().to_string())),
                ("warnings", warnings),
            ],
        ),
        None => messages::text("ui.checked", &[pages, ("warnings", warnings)]),
    };
    eprintln!("{line}");
    print_accepted(printer.lang, report);
    ExitCode::SUCCESS
}

/// The numbers pages publish on purpose (`privacy_ok`), masked, with their
/// reasons: whoever publishes the site sees what it discloses.
fn print_accepted(lang: Lang, report: &pipeline::Report) {
    if report.accepted.is_empty() {
        return;
    }
    eprintln!(
        "{}",
        messages::fill_raw(
            lang,
            "ui.privacy-accepted-head",
            &[("n", Arg::from(report.accepted.len()))]
        )
    );
    for accepted in &report.accepted {
        eprintln!("{}", accepted.line(lang));
    }
}

/// Prints what each build found, and a line per rebuild.
struct Terminal {
    builds: usize,
    timings: bool,
    printer: Printer,
}

fn print_timings(report: &pipeline::Report) {
    let parts: Vec<String> = report
        .timings
        .iter()
        .map(|t| format!("{} {:.1} ms", t.stage, t.wall.as_secs_f64() * 1000.0))
        .collect();
    eprintln!("  ({})", parts.join(", "));
}

/// `zhan build --timings`: each stage's wall and CPU time, and its share of
/// the build's CPU time (where the system reports CPU time).
fn print_stage_table(timings: &[pipeline::StageTime]) {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    // "of which" lines are parts of the line before, not stages of their own.
    let stages = || timings.iter().filter(|t| !t.stage.starts_with("of which"));
    let wall_total: f64 = stages().map(|t| ms(t.wall)).sum();
    let cpu_total: Option<f64> = stages().map(|t| t.cpu.map(ms)).sum();
    for t in timings {
        let mut line = format!("{:>15}: {:>8.1} ms", t.stage, ms(t.wall));
        if let (Some(cpu), Some(total)) = (t.cpu, cpu_total) {
            let share = if total > 0.0 {
                100.0 * ms(cpu) / total
            } else {
                0.0
            };
            line.push_str(&format!("  cpu {:>8.1} ms {share:>5.1}%", ms(cpu)));
        }
        eprintln!("{line}");
    }
    let mut line = format!("{:>15}: {wall_total:>8.1} ms", "total");
    if let Some(total) = cpu_total {
        line.push_str(&format!("  cpu {total:>8.1} ms"));
    }
    eprintln!("{line}");
}

impl zhan::serve::Reporter for Terminal {
    fn report(&mut self, report: &pipeline::Report, took: f64) {
        self.builds += 1;
        if self.builds == 1 || !report.succeeded() {
            report_build(self.printer, report, "build");
            if self.builds > 1 {
                eprintln!("{}", messages::tr("serve.last-good"));
            }
            return;
        }
        self.printer.diagnostics(report);
        if report.pages > 0 || report.copied > 0 {
            let what = if report.everything {
                messages::tr("serve.every-page")
            } else {
                messages::text("serve.n-pages", &[("n", Arg::from(report.pages))])
            };
            eprintln!(
                "{}",
                messages::text(
                    "serve.rebuilt",
                    &[
                        ("what", Arg::Text(what)),
                        ("ms", Arg::Text(format!("{took:.0}")))
                    ]
                )
            );
        }
        if self.timings {
            print_timings(report);
        }
    }
    fn say(&mut self, text: &str) {
        eprintln!("{text}");
    }
}

struct ServeArgs {
    bind: String,
    port: u16,
    drafts: bool,
    open: bool,
    /// Editing also when listening on the network (behind a key).
    edit: bool,
    timings: bool,
}

/// `zhan pack`: builds the site for disk and zips it (`pipeline::pack`).
fn pack(
    root: PathBuf,
    output: Option<PathBuf>,
    drafts: bool,
    base_url: Option<String>,
    printer: Printer,
) -> ExitCode {
    let dest = output.unwrap_or_else(|| root.join("离线网站.zip"));
    let options = Options {
        output: None,
        drafts,
        base_url,
        ..Options::new(root)
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (report, zipped) = pipeline::pack(&options, &dest, now);
    let built = report_build(printer, &report, "build");
    match zipped {
        None => built,
        Some(Ok(packed)) => {
            eprintln!(
                "{}",
                messages::text(
                    "ui.packed",
                    &[
                        ("file", Arg::from(packed.zip.display().to_string())),
                        ("files", Arg::from(packed.files)),
                        ("readme", Arg::from(pipeline::DISK_README)),
                    ]
                )
            );
            ExitCode::SUCCESS
        }
        Some(Err(problem)) => {
            printer.problem(&problem);
            ExitCode::from(2)
        }
    }
}

fn serve(root: PathBuf, a: ServeArgs, printer: Printer) -> ExitCode {
    let ServeArgs {
        bind,
        port,
        drafts,
        open,
        edit,
        timings,
    } = a;
    let listener = match std::net::TcpListener::bind((bind.as_str(), port)) {
        Ok(l) => l,
        Err(e) => {
            printer.problem(
                &Problem::new("E-SERVE-LISTEN")
                    .arg("address", format!("{bind}:{port}"))
                    .arg("detail", e.to_string())
                    .arg("next", u64::from(port) + 1)
                    .with_hint("H-SERVE-LISTEN"),
            );
            return ExitCode::from(2);
        }
    };
    // With --port 0 the system picks a free port; say which.
    let port = listener.local_addr().map_or(port, |a| a.port());
    let everywhere = bind == "0.0.0.0" || bind == "::";
    let host = if everywhere { "127.0.0.1" } else { &bind };
    let url = format!("http://{host}:{port}/");
    let mut ready = messages::text("serve.ready", &[("url", Arg::from(url.as_str()))]);
    // The editor is served only on this computer (see serve::editor),
    // or on the network with --edit: its addresses carry a key then, said
    // by serve::serve, which makes it.
    let loopback = listener.local_addr().is_ok_and(|a| a.ip().is_loopback());
    if loopback {
        ready.push('\n');
        ready.push_str(&messages::text(
            "serve.editor",
            &[("url", Arg::from(format!("{url}_zhan/").as_str()))],
        ));
    } else if !edit {
        ready.push('\n');
        ready.push_str(&messages::tr("serve.edit-off"));
    }
    if everywhere {
        let port = ("port", Arg::from(u64::from(port)));
        let line = match zhan::serve::local_network_address() {
            Some(ip) => messages::text("serve.phone", &[("ip", Arg::Text(ip.to_string())), port]),
            None => messages::text("serve.phone-unknown", &[port]),
        };
        ready.push('\n');
        ready.push_str(&line);
    }
    let options = Options {
        root,
        output: None,
        drafts,
        base_url: Some(url.clone()),
        write: true,
        for_disk: false,
    };
    let opened = open.then_some(url.as_str());
    let mut terminal = Terminal {
        builds: 0,
        timings,
        printer,
    };
    match zhan::serve::serve(options, listener, &ready, opened, edit, &mut terminal) {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            printer.problem(&problem);
            ExitCode::from(2)
        }
    }
}

fn watch(root: PathBuf, drafts: bool, timings: bool, printer: Printer) -> ExitCode {
    let options = Options {
        root,
        output: None,
        drafts,
        base_url: None,
        write: true,
        for_disk: false,
    };
    eprintln!(
        "{}",
        messages::text(
            "serve.watching",
            &[("folder", Arg::Text(options.root.display().to_string()))]
        )
    );
    let mut terminal = Terminal {
        builds: 0,
        timings,
        printer,
    };
    match zhan::serve::watch_only(options, &mut terminal) {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            printer.problem(&problem);
            ExitCode::from(2)
        }
    }
}

/// Cargo.toml says why this allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A command line clap could not read, said in the author's language: help
/// and version requests print as clap makes them; mistakes (a mistyped
/// command or option, a value not allowed) become a problem with a code, a
/// message and an instruction, like every other message of zhan.
fn usage_error(e: &clap::Error, lang: Lang) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let text = |kind: ContextKind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(list)) => list.first().cloned(),
        _ => None,
    };
    let list = |kind: ContextKind| match e.get(kind) {
        Some(ContextValue::Strings(list)) => list.join("、"),
        Some(ContextValue::String(s)) => s.clone(),
        _ => String::new(),
    };
    let commands = || {
        let names: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        names.join("、")
    };
    let problem = match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        ErrorKind::InvalidSubcommand
            if text(ContextKind::InvalidSubcommand).as_deref() == Some("help") =>
        {
            // `zhan help`, as git and cargo take it: the help, in Chinese.
            let _ = localized(Cli::command(), lang).print_help();
            return ExitCode::SUCCESS;
        }
        ErrorKind::InvalidSubcommand => {
            let p = Problem::new("E-CLI-COMMAND")
                .arg(
                    "name",
                    text(ContextKind::InvalidSubcommand).unwrap_or_default(),
                )
                .arg("commands", commands());
            match text(ContextKind::SuggestedSubcommand) {
                Some(close) => p.arg("close", close).with_hint("H-CLI-COMMAND-CLOSE"),
                None => p.with_hint("H-CLI-COMMAND"),
            }
        }
        ErrorKind::UnknownArgument => {
            let p = Problem::new("E-CLI-OPTION")
                .arg("name", text(ContextKind::InvalidArg).unwrap_or_default());
            match text(ContextKind::SuggestedArg) {
                Some(close) => p.arg("close", close).with_hint("H-CLI-OPTION-CLOSE"),
                None => p.with_hint("H-CLI-HELP"),
            }
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => Problem::new("E-CLI-VALUE")
            .arg("value", text(ContextKind::InvalidValue).unwrap_or_default())
            .arg("name", text(ContextKind::InvalidArg).unwrap_or_default())
            .arg("values", list(ContextKind::ValidValue))
            .with_hint("H-CLI-VALUE"),
        ErrorKind::MissingRequiredArgument => Problem::new("E-CLI-MISSING")
            .arg("name", list(ContextKind::InvalidArg))
            .with_hint("H-CLI-HELP"),
        _ => Problem::new("E-CLI-USAGE").with_hint("H-CLI-HELP"),
    };
    eprint!("{}", problem.render(lang, Renderer::stderr_wants_color()));
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let lang = language();
    messages::set_lang(lang);
    let matches = match localized(Cli::command(), lang).try_get_matches() {
        Ok(matches) => matches,
        Err(e) => return usage_error(&e, lang),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let printer = Printer {
        lang,
        format: cli.message_format,
    };
    match cli.command {
        Command::Build {
            output,
            drafts,
            base_url,
            for_disk,
            timings,
        } => {
            let options = Options {
                root: cli.root,
                output,
                drafts,
                base_url,
                write: true,
                for_disk,
            };
            let report = pipeline::run_then_exit(&options);
            if timings {
                print_stage_table(&report.timings);
            }
            report_build(printer, &report, "build")
        }
        Command::Pack {
            output,
            drafts,
            base_url,
        } => pack(cli.root, output, drafts, base_url, printer),
        Command::Serve {
            port,
            bind,
            open,
            edit,
            drafts,
            timings,
        } => serve(
            cli.root,
            ServeArgs {
                bind,
                port,
                drafts,
                open,
                edit,
                timings,
            },
            printer,
        ),
        Command::Watch { drafts, timings } => watch(cli.root, drafts, timings, printer),
        Command::Check { drafts } => {
            let options = Options {
                root: cli.root,
                output: None,
                drafts,
                base_url: None,
                write: false,
                for_disk: false,
            };
            report_build(printer, &pipeline::run_then_exit(&options), "check")
        }
        Command::Init { dir, empty } => {
            let made = if empty {
                scaffold::init_empty(&dir)
            } else {
                scaffold::init(&dir)
            };
            match made {
                Ok(n) => {
                    let folder = ("folder", Arg::Text(dir.display().to_string()));
                    eprintln!(
                        "{}",
                        messages::text("ui.init-done", &[folder.clone(), ("count", Arg::from(n))])
                    );
                    let next = if empty {
                        "ui.init-next-empty"
                    } else {
                        "ui.init-next"
                    };
                    eprintln!("{}", messages::text(next, &[folder]));
                    ExitCode::SUCCESS
                }
                Err(r) => {
                    printer.problem(&r);
                    ExitCode::from(2)
                }
            }
        }
        Command::New { kind, path } => match scaffold::new_item(&cli.root, &kind, &path) {
            Ok(file) => {
                eprintln!(
                    "{}",
                    messages::text(
                        "ui.new-done",
                        &[("file", Arg::Text(file.display().to_string()))]
                    )
                );
                ExitCode::SUCCESS
            }
            Err(r) => {
                printer.problem(&r);
                ExitCode::from(2)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command and argument has its help in both catalogs.
    #[test]
    fn every_help_text_is_in_the_catalogs() {
        for lang in [Lang::ZhCn, Lang::En] {
            let mut cmd = localized(Cli::command(), lang);
            cmd.build();
            let mut missing = Vec::new();
            let mut check = |c: &clap::Command| {
                for text in c
                    .get_about()
                    .into_iter()
                    .chain(c.get_arguments().filter_map(clap::Arg::get_help))
                {
                    let text = text.to_string();
                    if text.starts_with("cli.") {
                        missing.push(text);
                    }
                }
            };
            check(&cmd);
            for sub in cmd.get_subcommands() {
                check(sub);
            }
            assert!(missing.is_empty(), "{lang:?}: {missing:?}");
        }
        let mut zh = localized(Cli::command(), Lang::ZhCn);
        let help = zh.render_help().to_string();
        assert!(help.contains("用法："), "{help}");
        assert!(help.contains("生成"), "{help}");
    }
}
