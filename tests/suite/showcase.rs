//! The showcase graphics of the demo site, read back from the built pages:
//! QR codes decode (with an independent decoder) to the page's address, and
//! the report charts draw the numbers of the report's front matter, the same
//! numbers as the table beside them.

use crate::common;

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_yaml::Value;

/// The demo site, built once for this file.
fn built() -> &'static PathBuf {
    static OUTPUT: OnceLock<PathBuf> = OnceLock::new();
    OUTPUT.get_or_init(|| common::build_demo("showcase-site").0)
}

fn page(path: &str) -> String {
    let file = built().join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

use common::front_matter;

fn site_base_url() -> String {
    let site: Value = serde_yaml::from_str(
        &std::fs::read_to_string(common::repo_root().join("site.yaml")).unwrap(),
    )
    .unwrap();
    site["base_url"].as_str().unwrap().to_string()
}

/// The value of attribute `name` in the first tag of `tag`.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    tag[at..].split('"').next()
}

fn num(tag: &str, name: &str) -> f64 {
    attr(tag, name)
        .unwrap_or_else(|| panic!("no {name} in {tag}"))
        .parse()
        .unwrap()
}

/// Every `<svg …>…</svg>` in `html`.
fn svgs(html: &str) -> Vec<&str> {
    html.match_indices("<svg ")
        .map(|(at, _)| {
            let end = html[at..].find("</svg>").expect("closed svg") + "</svg>".len();
            &html[at..at + end]
        })
        .collect()
}

// ---- QR codes ----

/// The dark modules of one of our QR SVGs, read from its stroked path: `M x
/// y` / `m dx dy` move, `h n` draws n modules along the row the pen is on.
fn qr_modules(svg: &str) -> (usize, Vec<bool>) {
    let size = attr(svg, "viewBox")
        .and_then(|v| v.split(' ').nth(2))
        .and_then(|v| v.parse::<usize>().ok())
        .expect("square viewBox");
    let path = svg
        .split("<path ")
        .find(|p| p.contains("stroke=\"#000\""))
        .expect("the dark path");
    let d = attr(&format!(" {path}"), "d").expect("d").to_string();
    let mut grid = vec![false; size * size];
    let mut tokens = Vec::new();
    let mut current = String::new();
    for c in d.chars() {
        if c.is_ascii_alphabetic() || c == ' ' {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
            if c != ' ' {
                tokens.push(c.to_string());
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    let mut it = tokens.iter();
    let (mut x, mut y) = (0.0f64, 0.0f64);
    let next = |it: &mut std::slice::Iter<String>| -> f64 { it.next().unwrap().parse().unwrap() };
    while let Some(command) = it.next() {
        match command.as_str() {
            "M" => {
                x = next(&mut it);
                y = next(&mut it);
            }
            "m" => {
                x += next(&mut it);
                y += next(&mut it);
            }
            "h" => {
                let run = next(&mut it);
                assert!(
                    y.fract() == 0.5,
                    "runs are drawn on the middle line of a row"
                );
                for col in x as usize..(x + run) as usize {
                    grid[y as usize * size + col] = true;
                }
                x += run;
            }
            other => panic!("unexpected path command {other}"),
        }
    }
    (size, grid)
}

/// Rasterises the modules, `scale` pixels each (odd, see qr.rs), black on
/// white, and decodes the image with rqrr.
pub fn decode_qr(svg: &str, scale: usize) -> String {
    let (size, grid) = qr_modules(svg);
    let side = size * scale;
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
        if grid[(y / scale) * size + x / scale] {
            0
        } else {
            255
        }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code found");
    grids[0].decode().expect("the code decodes").1
}

/// The QR code in the `<figure class="qr …">` of a page.
fn page_qr(html: &str) -> &str {
    let figure = html.find("<figure class=\"qr").expect("a QR figure");
    svgs(&html[figure..])[0]
}

#[test]
fn station_page_qr_code_decodes_to_the_station_address() {
    let html = page("stations/huidong/index.html");
    let svg = page_qr(&html);
    assert_eq!(
        decode_qr(svg, 5),
        format!("{}stations/huidong/", site_base_url())
    );
    assert!(svg.contains("role=\"img\""));
    assert!(svg.contains("<title>惠东社区社工站</title>"));
    assert!(svg.contains("shape-rendering=\"crispEdges\""));
    assert!(html.contains("<figcaption>扫码打开本页</figcaption>"));
    assert!(svg.len() < 2500, "QR SVG of {} bytes", svg.len());
}

#[test]
fn service_page_qr_code_decodes_to_the_service_address() {
    let html = page("services/huidong/365-zaixian/index.html");
    assert_eq!(
        decode_qr(page_qr(&html), 7),
        format!("{}services/huidong/365-zaixian/", site_base_url())
    );
}

#[test]
fn qr_codes_are_only_on_station_and_service_pages() {
    assert!(!page("reports/shidian-yinian/index.html").contains("<figure class=\"qr"));
    assert!(!page("organizations/index.html").contains("<figure class=\"qr"));
}

// ---- report charts ----

/// One metric of a report's front matter.
#[derive(Debug)]
struct Metric {
    station: String,
    name: String,
    unit: Option<String>,
    value: f64,
    baseline: Option<f64>,
}

fn report_metrics(report: &Value) -> Vec<Metric> {
    report["metrics"]
        .as_sequence()
        .expect("metrics")
        .iter()
        .map(|m| Metric {
            station: m["station"].as_str().unwrap().to_string(),
            name: m["name"].as_str().unwrap().to_string(),
            unit: m["unit"].as_str().map(str::to_string),
            value: m["value"].as_f64().unwrap(),
            baseline: m["baseline"].as_f64(),
        })
        .collect()
}

/// The metrics of a report grouped as the charts show them: by name and
/// unit in order of first appearance, each in the order of `stations`.
fn expected_charts(report: &Value) -> Vec<Vec<Metric>> {
    let stations: Vec<&str> = report["stations"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let mut charts: Vec<Vec<Metric>> = Vec::new();
    for m in report_metrics(report) {
        match charts
            .iter_mut()
            .find(|c| c[0].name == m.name && c[0].unit == m.unit)
        {
            Some(chart) => chart.push(m),
            None => charts.push(vec![m]),
        }
    }
    for chart in &mut charts {
        chart.sort_by_key(|m| stations.iter().position(|s| *s == m.station));
    }
    charts
}

fn station_title(id: &str) -> String {
    let station = front_matter(&common::repo_root().join(format!("content/stations/{id}.md")));
    station["title"].as_str().unwrap().to_string()
}

/// `+204.2%`, `-20%`, `0%`, as a reader would write the change.
fn percent(value: f64, baseline: f64) -> String {
    let pct = (value - baseline) / baseline * 100.0;
    let text = format!("{pct:+.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    match text {
        "+0" | "-0" => "0%".to_string(),
        t => format!("{t}%"),
    }
}

/// The `<rect>`s of the group with class `class`, in order.
fn bars<'a>(svg: &'a str, class: &str) -> Vec<&'a str> {
    let Some(at) = svg.find(&format!("<g class=\"{class}\"")) else {
        return Vec::new();
    };
    let group = &svg[at..at + svg[at..].find("</g>").unwrap()];
    group.split("<rect").skip(1).collect()
}

/// The text of each `<text>` in the group with class `class`, with its x.
fn texts(svg: &str, class: &str) -> Vec<(f64, String)> {
    let at = svg.find(&format!("<g class=\"{class}\"")).expect("group");
    let group = &svg[at..at + svg[at..].find("</g>").unwrap()];
    group
        .split("<text")
        .skip(1)
        .map(|t| {
            let (tag, rest) = t.split_once('>').unwrap();
            (num(tag, "x"), rest.split('<').next().unwrap().to_string())
        })
        .collect()
}

/// The text of the cells of each body row of the first table in `html`.
fn table_rows(html: &str) -> Vec<Vec<String>> {
    let body = &html[html.find("<tbody>").unwrap()..html.find("</tbody>").unwrap()];
    body.split("</tr>")
        .filter(|row| row.contains("<tr>"))
        .map(|row| {
            let marked = row.replace("</th>", "\u{1}").replace("</td>", "\u{1}");
            let mut text = String::new();
            let mut in_tag = false;
            for c in marked.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            let mut cells: Vec<String> =
                text.split('\u{1}').map(|c| c.trim().to_string()).collect();
            cells.pop();
            cells
        })
        .collect()
}

/// Numbers as a chart writes them: all with the decimals the most precise needs.
fn formatted(numbers: &[f64]) -> Vec<String> {
    let decimals = numbers
        .iter()
        .map(|n| n.to_string().split_once('.').map_or(0, |(_, d)| d.len()))
        .max()
        .unwrap_or(0)
        .min(2);
    numbers.iter().map(|n| format!("{n:.decimals$}")).collect()
}

#[test]
fn report_charts_draw_the_numbers_of_the_front_matter() {
    let mut checked_bars = 0;
    for entry in std::fs::read_dir(common::repo_root().join("content/reports")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("md") {
            continue;
        }
        let id = path.file_stem().unwrap().to_str().unwrap().to_string();
        let report = front_matter(&path);
        let html = page(&format!("reports/{id}/index.html"));
        let sections: Vec<&str> = html
            .split("<section class=\"metric-chart\"")
            .skip(1)
            .collect();
        let expected = expected_charts(&report);
        assert_eq!(sections.len(), expected.len(), "{id}: one chart per metric");
        for (section, metrics) in sections.iter().zip(&expected) {
            let name = &metrics[0].name;
            assert!(section.contains(&format!(">{name}</h3>")), "{id}: {name}");
            let svg = svgs(section)[0];
            assert!(
                svg.len() < 4000,
                "{id} {name}: chart of {} bytes",
                svg.len()
            );
            assert!(svg.contains("role=\"img\""));
            let labelled = attr(svg, "aria-labelledby").expect("aria-labelledby");
            for part in labelled.split(' ') {
                assert!(svg.contains(&format!(" id=\"{part}\"")), "{part} exists");
            }
            assert!(svg.contains("<desc id=") && svg.contains("<title id="));
            if let Some(unit) = &metrics[0].unit {
                assert!(svg.contains(&format!("单位：{unit}")), "{id} {name}: unit");
            }

            // The scale: tick labels from 0 to a round maximum above the data.
            let ticks = texts(svg, "ticks");
            let (zero_x, zero) = &ticks[0];
            let (max_x, max) = ticks.last().unwrap();
            assert_eq!(zero, "0");
            let axis_max: f64 = max.parse().unwrap();
            let largest = metrics
                .iter()
                .flat_map(|m| [Some(m.value), m.baseline])
                .flatten()
                .fold(0.0, f64::max);
            assert!(
                axis_max >= largest,
                "{id} {name}: the axis reaches the data"
            );
            assert!(
                axis_max < largest * 2.0,
                "{id} {name}: without wasting half the chart"
            );
            let per_unit = (max_x - zero_x) / axis_max;

            // Each bar starts at zero and is as long as its number.
            let base_bars = bars(svg, "bars-baseline");
            let value_bars = bars(svg, "bars-value");
            let with_baseline: Vec<f64> = metrics.iter().filter_map(|m| m.baseline).collect();
            assert_eq!(base_bars.len(), with_baseline.len(), "{id} {name}");
            assert_eq!(value_bars.len(), metrics.len(), "{id} {name}");
            let heights: Vec<f64> = value_bars.iter().map(|b| num(b, "height")).collect();
            for (bar, number) in base_bars
                .iter()
                .zip(&with_baseline)
                .chain(value_bars.iter().zip(metrics.iter().map(|m| &m.value)))
            {
                assert!(
                    (num(bar, "x") - zero_x).abs() < 0.051,
                    "{id} {name}: bar from 0"
                );
                let expected = number * per_unit;
                let width = num(bar, "width");
                assert!(
                    (width - expected).abs() < 0.11,
                    "{id} {name}: bar for {number} is {width} wide, expected {expected:.2}"
                );
                assert!(num(bar, "height") == heights[0], "bars of one thickness");
                checked_bars += 1;
            }
            // Value bars run down the chart in the order of the stations.
            let ys: Vec<f64> = value_bars.iter().map(|b| num(b, "y")).collect();
            assert!(ys.windows(2).all(|w| w[0] < w[1]));

            // The table beside it: the same stations and numbers.
            let rows = table_rows(section);
            assert_eq!(rows.len(), metrics.len());
            let has_baseline = !with_baseline.is_empty();
            let all: Vec<f64> = metrics
                .iter()
                .flat_map(|m| [Some(m.value), m.baseline])
                .flatten()
                .collect();
            let written = formatted(&all);
            let text_of = |x: f64| written[all.iter().position(|&a| a == x).unwrap()].clone();
            for (row, m) in rows.iter().zip(metrics) {
                assert_eq!(row[0], station_title(&m.station), "{id} {name}");
                let mut cells = row[1..].iter();
                if has_baseline {
                    let baseline = cells.next().unwrap();
                    match m.baseline {
                        Some(b) => assert_eq!(baseline, &text_of(b)),
                        None => assert_eq!(baseline, "—"),
                    }
                }
                assert_eq!(cells.next().unwrap(), &text_of(m.value), "{id} {name}");
                if has_baseline {
                    let change = cells.next().unwrap();
                    let expected = match m.baseline {
                        Some(0.0) => "新增".to_string(),
                        Some(b) => percent(m.value, b),
                        None => "—".to_string(),
                    };
                    assert_eq!(change, &expected, "{id} {name}");
                    // The chart labels the same change.
                    assert!(svg.contains(&format!(">{expected}</text>")), "{expected}");
                }
                // The chart writes the same numbers at the bar ends.
                assert!(
                    svg.contains(&format!(">{}</text>", text_of(m.value))),
                    "{}",
                    m.value
                );
            }
        }
    }
    assert!(checked_bars >= 20, "checked {checked_bars} bars");
}

#[test]
fn charts_are_in_the_theme_colours_and_system_fonts() {
    let html = page("reports/shidian-yinian/index.html");
    for svg in svgs(&html) {
        let fonts = attr(svg, "font-family").expect("a font stack");
        assert!(fonts.contains("PingFang SC") && fonts.ends_with("sans-serif"));
        assert!(!svg.contains("@font-face") && !svg.contains("url(http"));
        assert!(!svg.contains("<script"));
    }
}
