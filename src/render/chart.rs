//! Bar charts of a report's metrics, drawn as inline SVG at build time: no
//! chart library, no JavaScript.
//!
//! One chart per metric (name and unit): for each station a hatched bar for
//! the baseline above a solid bar for the value, the numbers at the bar ends
//! and the change in percent on the station's line. Colour is never the only
//! cue (hatched against solid, a legend in words, numbers on every bar), and
//! the same numbers go into a table beside the chart. Bars run across, so
//! station names need no turning and the chart reads on a phone.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::string;
use super::views::{LinkView, Views};
use crate::escape;

/// The width of every chart in SVG units; it scales to the page.
const WIDTH: f64 = 360.0;
const PAD: f64 = 8.0;
/// Station names, legend; numbers are smaller.
const FONT: f64 = 15.0;
const SMALL: f64 = 13.0;
const BAR: f64 = 14.0;
const LEGEND: f64 = 28.0;
/// Text: 16:1 and 8:1 against white. Value bars 8:1; the hatched baseline
/// bars are outlined in a grey of 7:1.
const TEXT: &str = "#1b1b1b";
const MUTED: &str = "#4f4f4f";
const VALUE_FILL: &str = "#0b5394";
const BASE_LINE: &str = "#595959";
const GRID: &str = "#d5dade";
/// System fonts only, Latin first, then Chinese.
const FONTS: &str = "-apple-system,'Helvetica Neue',Arial,'PingFang SC','Hiragino Sans GB',\
                     'Microsoft YaHei','Noto Sans CJK SC','Source Han Sans SC',sans-serif";

/// One metric of one report, as a chart and a table.
#[derive(Serialize)]
pub struct ChartView<'a> {
    /// The id of its heading; the SVG's ids start with it.
    pub id: String,
    pub name: &'a str,
    pub unit: Option<&'a str>,
    /// 单位：人次
    pub unit_text: Option<String>,
    pub title: String,
    pub has_baseline: bool,
    pub svg: String,
    pub rows: Vec<RowView<'a>>,
}

/// A station's numbers, formatted as in the chart.
#[derive(Serialize)]
pub struct RowView<'a> {
    pub station: LinkView<'a>,
    pub baseline: String,
    pub value: String,
    pub change: String,
}

/// A station's numbers for one metric.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub label: &'a str,
    pub baseline: Option<f64>,
    pub value: f64,
}

/// The charts of report `i`, one per metric in order of first appearance,
/// its stations in the report's order.
pub fn of_report<'a>(
    v: &Views<'a>,
    i: usize,
    strings: &BTreeMap<String, String>,
) -> Vec<ChartView<'a>> {
    let Some(report) = v.item(i).report() else {
        return Vec::new();
    };
    let stations = &v.links_of(i).stations;
    let mut metrics: Vec<(&str, Option<&str>)> = Vec::new();
    for m in &report.metrics {
        let key = (m.name.as_str(), m.unit.as_deref());
        if !metrics.contains(&key) {
            metrics.push(key);
        }
    }
    let mut charts = Vec::new();
    for (name, unit) in metrics {
        let mut links = Vec::new();
        let mut entries = Vec::new();
        for &s in stations {
            let station = v.item(s);
            for m in &report.metrics {
                if m.name == name && m.unit.as_deref() == unit && m.station.id == station.id {
                    links.push(v.link(s));
                    entries.push(Entry {
                        label: &station.meta.title,
                        baseline: m.baseline.map(|b| b.0),
                        value: m.value.0,
                    });
                }
            }
        }
        if entries.is_empty() {
            continue;
        }
        let id = format!("metric-{}", charts.len() + 1);
        let has_baseline = entries.iter().any(|e| e.baseline.is_some());
        let title_key = if has_baseline {
            "chart_title"
        } else {
            "chart_title_values"
        };
        let title = string(strings, title_key).replace("{metric}", name);
        let decimals = decimals_of(&entries);
        let words = Words::new(strings, unit, has_baseline);
        let svg = draw(&id, &title, &words, &entries, decimals);
        let rows = links
            .into_iter()
            .zip(&entries)
            .map(|(station, e)| RowView {
                station,
                baseline: e
                    .baseline
                    .map_or_else(|| words.none.to_string(), |b| number(b, decimals)),
                value: number(e.value, decimals),
                change: change_text(e.value, e.baseline, &words),
            })
            .collect();
        charts.push(ChartView {
            id,
            name,
            unit,
            unit_text: unit.map(|u| string(strings, "chart_unit").replace("{unit}", u)),
            title,
            has_baseline,
            svg,
            rows,
        });
    }
    charts
}

/// The interface strings a chart uses.
struct Words<'s> {
    desc: String,
    unit: Option<String>,
    baseline: &'s str,
    value: &'s str,
    new: &'s str,
    none: &'s str,
}

impl<'s> Words<'s> {
    fn new(strings: &'s BTreeMap<String, String>, unit: Option<&str>, has_baseline: bool) -> Self {
        let unit_sentence = unit
            .map(|u| string(strings, "chart_desc_unit").replace("{unit}", u))
            .unwrap_or_default();
        let desc_key = if has_baseline {
            "chart_desc"
        } else {
            "chart_desc_values"
        };
        Words {
            desc: string(strings, desc_key).replace("{unit}", &unit_sentence),
            unit: unit.map(|u| string(strings, "chart_unit").replace("{unit}", u)),
            baseline: string(strings, "baseline"),
            value: string(strings, "value"),
            new: string(strings, "change_new"),
            none: string(strings, "change_none"),
        }
    }
}

/// The change against the baseline in percent, one decimal: `+204.2%`,
/// `-12.5%`, `0%`; `新增` from a zero baseline, `—` without one.
fn change_text(value: f64, baseline: Option<f64>, words: &Words) -> String {
    match baseline {
        None => words.none.to_string(),
        Some(0.0) => {
            if value > 0.0 {
                words.new.to_string()
            } else {
                words.none.to_string()
            }
        }
        Some(b) => {
            let pct = ((value - b) / b.abs() * 1000.0).round() / 10.0;
            if pct == 0.0 {
                "0%".to_string()
            } else {
                let sign = if pct > 0.0 { "+" } else { "" };
                format!("{sign}{}%", trim(&format!("{pct:.1}")))
            }
        }
    }
}

/// How many decimals the numbers of a chart need (at most two): none when
/// they are all whole, so counts stay counts.
fn decimals_of(entries: &[Entry]) -> usize {
    let needs = |x: f64| {
        (0..2)
            .find(|&d| {
                let scaled = x * 10f64.powi(d as i32);
                (scaled - scaled.round()).abs() < 1e-6
            })
            .unwrap_or(2)
    };
    entries
        .iter()
        .flat_map(|e| [Some(e.value), e.baseline])
        .flatten()
        .map(needs)
        .max()
        .unwrap_or(0)
}

fn number(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    // No "-0" for a tiny negative rounded away.
    if text
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        text.trim_start_matches('-').to_string()
    } else {
        text
    }
}

/// `12.0` → `12`, `12.50` → `12.5`.
fn trim(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// A coordinate, one decimal at most.
fn coord(x: f64) -> String {
    trim(&format!("{x:.1}")).to_string()
}

/// The value axis: from 0 to a round maximum, in round steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    pub max: f64,
    pub step: f64,
    /// Decimals of the tick labels.
    pub decimals: usize,
}

/// The axis for data up to `largest`: the maximum is the first of 1, 1.2,
/// 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 times a power of ten that reaches it, with
/// three to five steps; whole steps only when the data are whole numbers.
pub fn axis(largest: f64, whole: bool) -> Axis {
    if largest.is_nan() || largest <= 0.0 || largest.is_infinite() {
        return Axis {
            max: 1.0,
            step: 1.0,
            decimals: 0,
        };
    }
    // (maximum, step) in tenths of the power of ten.
    const NICE: [(u32, u32); 11] = [
        (10, 2),
        (12, 3),
        (15, 5),
        (20, 5),
        (25, 5),
        (30, 10),
        (40, 10),
        (50, 10),
        (60, 20),
        (80, 20),
        (100, 20),
    ];
    let mut exp = largest.log10().floor() as i32;
    if largest / 10f64.powi(exp) >= 10.0 {
        exp += 1;
    } else if largest / 10f64.powi(exp) < 1.0 {
        exp -= 1;
    }
    // Multiples of 10^(exp-1), exact for whole numbers and correctly rounded
    // (so printed exactly) for fractions.
    let tenth = exp - 1;
    let scale = |t: u32| {
        if tenth >= 0 {
            f64::from(t) * 10f64.powi(tenth)
        } else {
            f64::from(t) / 10f64.powi(-tenth)
        }
    };
    let &(max_t, step_t) = NICE
        .iter()
        .find(|&&(m, _)| scale(m) >= largest * (1.0 - 1e-12))
        .unwrap_or(&NICE[NICE.len() - 1]);
    let (max, step) = (scale(max_t), scale(step_t));
    if whole && step < 1.0 {
        return Axis {
            max: largest.ceil().max(1.0),
            step: 1.0,
            decimals: 0,
        };
    }
    let decimals = if tenth >= 0 {
        0
    } else {
        let zeros = if step_t % 10 == 0 { 1 } else { 0 };
        ((-tenth) as usize).saturating_sub(zeros)
    };
    Axis {
        max,
        step,
        decimals,
    }
}

/// Roughly how wide `text` is at `size`: Chinese characters are square,
/// digits and Latin letters about 0.6 of that.
fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
        .sum::<f64>()
        * size
}

/// `text` cut with an ellipsis to fit `room`.
fn fit(text: &str, size: f64, room: f64) -> String {
    if text_width(text, size) <= room {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if text_width(&out, size) + text_width(&c.to_string(), size) + size > room {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Where the parts of one chart go, worked out from its numbers.
struct Layout {
    /// Whether entries have a baseline bar above their value bar.
    has_baseline: bool,
    /// Decimals of the numbers at the bar ends.
    decimals: usize,
    axis: Axis,
    /// The values of the scale's ticks, from 0.
    ticks: Vec<f64>,
    /// Left end of the bars.
    x0: f64,
    /// Width of a bar at the axis maximum.
    plot: f64,
    /// Bars per entry: 2 with baselines, else 1.
    bars: f64,
    /// Height of one entry: its name, then its bars.
    row: f64,
    /// Top of the scale, under the last entry.
    bottom: f64,
}

impl Layout {
    fn of(entries: &[Entry], decimals: usize) -> Layout {
        let has_baseline = entries.iter().any(|e| e.baseline.is_some());
        let whole = decimals == 0;
        let numbers = || {
            entries
                .iter()
                .flat_map(|e| [Some(e.value), e.baseline])
                .flatten()
        };
        let largest = numbers().fold(0.0, f64::max);
        let axis = axis(largest, whole);
        let ticks: Vec<f64> = (0..)
            .map(|k| f64::from(k) * axis.step)
            .take_while(|&t| t <= axis.max * (1.0 + 1e-9))
            .collect();
        // Room at the right for the longest number at a bar end, and for
        // half of the last tick label, which is centred on its tick.
        let label_room = numbers()
            .map(|x| text_width(&number(x, decimals), SMALL))
            .fold(0.0, f64::max)
            + 6.0;
        let tick_room = text_width(&number(axis.max, axis.decimals), SMALL) / 2.0;
        let x0 = PAD;
        let x1 = WIDTH - PAD - label_room.max(tick_room);
        let bars = if has_baseline { 2.0 } else { 1.0 };
        let row = 22.0 + bars * (BAR + 2.0) + 6.0;
        Layout {
            has_baseline,
            decimals,
            axis,
            ticks,
            x0,
            plot: x1 - x0,
            bars,
            row,
            bottom: LEGEND + row * entries.len() as f64,
        }
    }

    /// The length of the bar for `x`, clamped to the plot.
    fn length(&self, x: f64) -> f64 {
        (x.max(0.0) / self.axis.max * self.plot).min(self.plot)
    }

    fn row_top(&self, n: usize) -> f64 {
        LEGEND + self.row * n as f64
    }

    /// The top of bar `k` (0 the first) of entry `n`.
    fn bar_y(&self, n: usize, k: f64) -> f64 {
        self.row_top(n) + 22.0 + k * (BAR + 2.0)
    }
}

/// The SVG of one chart.
fn draw(id: &str, title: &str, words: &Words, entries: &[Entry], decimals: usize) -> String {
    let layout = Layout::of(entries, decimals);
    let height = layout.bottom + 20.0;
    let mut out = String::with_capacity(2048);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" role=\"img\" \
         aria-labelledby=\"{id}-t {id}-d\" font-family=\"{FONTS}\" font-size=\"{FONT}\" fill=\"{TEXT}\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        coord(WIDTH),
        coord(height),
        escape::html(title),
        escape::html(&words.desc),
    );
    if layout.has_baseline {
        let _ = write!(
            out,
            "<defs><pattern id=\"{id}-h\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
             patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff\"/>\
             <path d=\"M1.5 0V6\" stroke=\"{BASE_LINE}\" stroke-width=\"2\"/></pattern></defs>"
        );
    }
    draw_legend(&mut out, id, words, layout.has_baseline);
    draw_grid(&mut out, &layout, entries.len());
    draw_names(&mut out, words, entries, &layout);
    draw_bars(&mut out, id, entries, &layout);
    draw_scale(&mut out, &layout);
    out.push_str("</svg>");
    out
}

/// The legend, and the unit at the right.
fn draw_legend(out: &mut String, id: &str, words: &Words, has_baseline: bool) {
    let mut x = PAD;
    let mut swatch = |out: &mut String, fill: &str, stroke: bool, text: &str| {
        let outline = if stroke {
            format!(" stroke=\"{BASE_LINE}\"")
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"6\" width=\"14\" height=\"14\" fill=\"{fill}\"{outline}/>\
             <text x=\"{}\" y=\"18\">{}</text>",
            coord(x),
            coord(x + 18.0),
            escape::html(text)
        );
        x += 18.0 + text_width(text, FONT) + 14.0;
    };
    if has_baseline {
        swatch(out, &format!("url(#{id}-h)"), true, words.baseline);
    }
    swatch(out, VALUE_FILL, false, words.value);
    if let Some(unit) = &words.unit {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"18\" text-anchor=\"end\" font-size=\"{SMALL}\" fill=\"{MUTED}\">{}</text>",
            coord(WIDTH - PAD),
            escape::html(unit)
        );
    }
}

/// Grid lines at the ticks, beside the bars only (not across the names);
/// the zero line darker.
fn draw_grid(out: &mut String, layout: &Layout, entries: usize) {
    let spans: Vec<(f64, f64)> = (0..entries)
        .map(|n| {
            (
                layout.bar_y(n, 0.0) - 3.0,
                layout.bar_y(n, layout.bars - 1.0) + BAR + 3.0,
            )
        })
        .chain([(layout.bottom - 5.0, layout.bottom)])
        .collect();
    let ticks = &layout.ticks;
    for (colour, from, to) in [(GRID, 1, ticks.len()), (BASE_LINE, 0, 1)] {
        let _ = write!(out, "<path stroke=\"{colour}\" d=\"");
        for &t in &ticks[from..to] {
            for &(top, end) in &spans {
                let _ = write!(
                    out,
                    "M{} {}V{}",
                    coord(layout.x0 + layout.length(t)),
                    coord(top),
                    coord(end)
                );
            }
        }
        out.push_str("\"/>");
    }
}

/// Station names, and the change at the right of the same line.
fn draw_names(out: &mut String, words: &Words, entries: &[Entry], layout: &Layout) {
    let _ = write!(out, "<g>");
    for (n, e) in entries.iter().enumerate() {
        let change = if layout.has_baseline {
            change_text(e.value, e.baseline, words)
        } else {
            String::new()
        };
        let room = WIDTH - 2.0 * PAD - text_width(&change, FONT) - 8.0;
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            coord(layout.x0),
            coord(layout.row_top(n) + 16.0),
            escape::html(&fit(e.label, FONT, room))
        );
        if !change.is_empty() {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-weight=\"bold\">{}</text>",
                coord(WIDTH - PAD),
                coord(layout.row_top(n) + 16.0),
                escape::html(&change)
            );
        }
    }
    out.push_str("</g>");
}

/// The bars (baselines hatched and outlined, values solid) and the numbers
/// at their ends.
fn draw_bars(out: &mut String, id: &str, entries: &[Entry], layout: &Layout) {
    let bar = |out: &mut String, n: usize, k: f64, x: f64| {
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{BAR}\"/>",
            coord(layout.x0),
            coord(layout.bar_y(n, k)),
            coord(layout.length(x))
        );
    };
    if layout.has_baseline {
        let _ = write!(
            out,
            "<g class=\"bars-baseline\" fill=\"url(#{id}-h)\" stroke=\"{BASE_LINE}\">"
        );
        for (n, e) in entries.iter().enumerate() {
            if let Some(b) = e.baseline {
                bar(out, n, 0.0, b);
            }
        }
        out.push_str("</g>");
    }
    let _ = write!(out, "<g class=\"bars-value\" fill=\"{VALUE_FILL}\">");
    for (n, e) in entries.iter().enumerate() {
        bar(out, n, layout.bars - 1.0, e.value);
    }
    out.push_str("</g>");
    let _ = write!(out, "<g font-size=\"{SMALL}\">");
    for (n, e) in entries.iter().enumerate() {
        let mut label = |x: f64, k: f64| {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\">{}</text>",
                coord(layout.x0 + layout.length(x) + 4.0),
                coord(layout.bar_y(n, k) + 12.0),
                number(x, layout.decimals)
            );
        };
        if let Some(b) = e.baseline {
            label(b, 0.0);
        }
        label(e.value, layout.bars - 1.0);
    }
    out.push_str("</g>");
}

/// The scale under the bars.
fn draw_scale(out: &mut String, layout: &Layout) {
    let _ = write!(
        out,
        "<g class=\"ticks\" font-size=\"{SMALL}\" fill=\"{MUTED}\" text-anchor=\"middle\">"
    );
    for &t in &layout.ticks {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            coord(layout.x0 + layout.length(t)),
            coord(layout.bottom + 15.0),
            number(t, layout.axis.decimals)
        );
    }
    out.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> Words<'static> {
        Words {
            desc: "横向条形图。".to_string(),
            unit: Some("单位：人次".to_string()),
            baseline: "基线",
            value: "数值",
            new: "新增",
            none: "—",
        }
    }

    #[test]
    fn axis_maximum_is_round_and_reaches_the_data() {
        let a = |x, whole| {
            let a = axis(x, whole);
            (a.max, a.step, a.decimals)
        };
        assert_eq!(a(3650.0, true), (4000.0, 1000.0, 0));
        assert_eq!(a(4120.0, true), (5000.0, 1000.0, 0));
        assert_eq!(a(1180.0, true), (1200.0, 300.0, 0));
        assert_eq!(a(46.0, true), (50.0, 10.0, 0));
        assert_eq!(a(22.0, true), (25.0, 5.0, 0));
        assert_eq!(a(100.0, true), (100.0, 20.0, 0));
        assert_eq!(a(1000.0, true), (1000.0, 200.0, 0));
        assert_eq!(a(6.0, true), (6.0, 2.0, 0));
        // Whole numbers get whole steps.
        assert_eq!(a(3.0, true), (3.0, 1.0, 0));
        assert_eq!(a(1.0, true), (1.0, 1.0, 0));
        assert_eq!(a(2.0, true), (2.0, 1.0, 0));
        // Fractions get decimal ticks, printed exactly.
        assert_eq!(a(0.35, false), (0.4, 0.1, 1));
        assert_eq!(a(0.032, false), (0.04, 0.01, 2));
        assert_eq!(a(2.2, false), (2.5, 0.5, 1));
        assert_eq!(number(0.3 * 3.0, 1), "0.9");
        // Nothing to show.
        assert_eq!(a(0.0, true), (1.0, 1.0, 0));
        assert_eq!(a(-5.0, true), (1.0, 1.0, 0));
    }

    #[test]
    fn change_in_percent_one_decimal_with_sign() {
        let w = words();
        assert_eq!(change_text(3650.0, Some(1200.0), &w), "+204.2%");
        assert_eq!(change_text(30.0, Some(10.0), &w), "+200%");
        assert_eq!(change_text(80.0, Some(100.0), &w), "-20%");
        assert_eq!(change_text(87.5, Some(100.0), &w), "-12.5%");
        assert_eq!(change_text(100.0, Some(100.0), &w), "0%");
        assert_eq!(change_text(100.0, None, &w), "—");
    }

    #[test]
    fn zero_baseline_is_new_not_a_division() {
        let w = words();
        assert_eq!(change_text(5.0, Some(0.0), &w), "新增");
        assert_eq!(change_text(0.0, Some(0.0), &w), "—");
        let entries = [
            Entry {
                label: "惠东",
                baseline: Some(0.0),
                value: 5.0,
            },
            Entry {
                label: "惠西",
                baseline: Some(0.0),
                value: 0.0,
            },
        ];
        let svg = draw("m", "t", &w, &entries, 0);
        assert!(svg.contains(">新增</text>"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }

    #[test]
    fn numbers_match_the_data() {
        let e = |value, baseline| Entry {
            label: "x",
            baseline,
            value,
        };
        assert_eq!(decimals_of(&[e(3650.0, Some(1200.0))]), 0);
        assert_eq!(decimals_of(&[e(3.5, Some(2.0))]), 1);
        assert_eq!(decimals_of(&[e(3.0, Some(2.25))]), 2);
        assert_eq!(decimals_of(&[e(1.0 / 3.0, None)]), 2);
        assert_eq!(number(2.0, 1), "2.0");
        assert_eq!(number(-0.001, 1), "0.0");
    }

    #[test]
    fn chart_is_accessible_and_proportional() {
        let entries = [
            Entry {
                label: "惠东社区社工站",
                baseline: Some(1200.0),
                value: 3650.0,
            },
            Entry {
                label: "没有基线的站",
                baseline: None,
                value: 800.0,
            },
        ];
        let svg = draw("metric-1", "服务人次 <对比>", &words(), &entries, 0);
        assert!(svg.contains("role=\"img\" aria-labelledby=\"metric-1-t metric-1-d\""));
        assert!(svg.contains("<title id=\"metric-1-t\">服务人次 &lt;对比&gt;</title>"));
        assert!(svg.contains("<desc id=\"metric-1-d\">"));
        assert!(svg.contains(">+204.2%</text>") && svg.contains(">—</text>"));
        assert!(svg.contains("'PingFang SC'") && svg.contains("'Microsoft YaHei'"));
        // Axis to 4000: the 3650 bar is 0.9125 of the plot, the 1200 one 0.3.
        let widths: Vec<f64> = svg
            .split(" width=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap().parse().unwrap())
            .collect();
        // Two legend swatches (14), one pattern tile (6), then three bars.
        let bars = &widths[widths.len() - 3..];
        let plot = bars[1] / 0.9125;
        assert!((bars[0] - plot * 0.3).abs() < 0.1, "{bars:?}");
        assert!((bars[2] - plot * 0.2).abs() < 0.1, "{bars:?}");
        assert!(svg.contains(">4000</text></g></svg>"));
        assert!(svg.len() < 4000, "{} bytes", svg.len());
    }

    #[test]
    fn long_names_are_cut_to_fit() {
        let name = "一个名字非常非常非常非常非常非常非常长的社区社工站";
        let cut = fit(name, FONT, 200.0);
        assert!(cut.ends_with('…'));
        assert!(text_width(&cut, FONT) <= 200.0);
    }
}
