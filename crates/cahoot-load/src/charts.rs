//! SVG charts drawn with plotters: values over time and latency distributions (HdrHistogram-style
//! percentile plots, x axis in "nines": 90 %, 99 %, 99.9 %…).

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::path::Path;

const SIZE: (u32, u32) = (900, 420);
const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

pub type Line = (String, Vec<(f64, f64)>);

fn max_of(lines: &[Line], pick: impl Fn(&(f64, f64)) -> f64) -> f64 {
    lines
        .iter()
        .flat_map(|(_, pts)| pts.iter().map(&pick))
        .fold(0.0, f64::max)
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Series whose label starts with this are fan-out events, drawn as one marker per point.
const EVENT_PREFIX: &str = "fan-out";
/// Radius of an event marker, in pixels.
const MARKER_RADIUS: i32 = 4;

/// Whether `label` names a series of discrete events rather than a continuous measurement. A fan-out
/// happens only when the host sends a command, seconds apart; a line between two of them would draw
/// latencies at moments when nothing was delivered.
fn is_events(label: &str) -> bool {
    label.starts_with(EVENT_PREFIX)
}

/// One coloured series per line, and the legend. Event series get a marker per point and no line.
fn draw_lines<'a>(
    chart: &mut Chart<'a, 'a>,
    lines: &[Line],
    legend_at: SeriesLabelPosition,
) -> anyhow::Result<()> {
    for (i, (label, pts)) in lines.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        if is_events(label) {
            chart
                .draw_series(
                    pts.iter()
                        .map(|&p| Circle::new(p, MARKER_RADIUS, color.filled())),
                )?
                .label(label.clone())
                .legend(move |(x, y)| Circle::new((x + 9, y), MARKER_RADIUS, color.filled()));
        } else {
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))?
                .label(label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
    }
    chart
        .configure_series_labels()
        .position(legend_at)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// Lines of (x, y) points, e.g. seconds → latency or seconds → requests per second; fan-out series are
/// drawn as points (see [`is_events`]).
pub fn lines(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    lines: &[Line],
) -> anyhow::Result<()> {
    std::fs::write(path, lines_svg(title, x_desc, y_desc, lines)?)?;
    Ok(())
}

/// [`lines`] as SVG text (kept apart from the file so tests can read what was drawn).
fn lines_svg(title: &str, x_desc: &str, y_desc: &str, lines: &[Line]) -> anyhow::Result<String> {
    let mut svg = String::new();
    draw_lines_chart(&mut svg, title, x_desc, y_desc, lines)?;
    Ok(svg)
}

fn draw_lines_chart(
    svg: &mut String,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    lines: &[Line],
) -> anyhow::Result<()> {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let x_max = max_of(lines, |p| p.0).max(1.0);
    let y_max = (max_of(lines, |p| p.1) * 1.1).max(0.001);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..x_max, 0f64..y_max)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    draw_lines(&mut chart, lines, SeriesLabelPosition::UpperRight)?;
    root.present()?;
    Ok(())
}

/// Latency distributions: `lines` hold (latency ms, percentile 0..100) points.
pub fn distribution(path: &Path, title: &str, lines: &[Line]) -> anyhow::Result<()> {
    let nines = |pct: f64| -> f64 {
        let p = (pct / 100.0).min(0.99999);
        -(1.0 - p).log10()
    };
    let converted: Vec<Line> = lines
        .iter()
        .map(|(l, pts)| {
            (
                l.clone(),
                pts.iter().map(|(ms, pct)| (nines(*pct), *ms)).collect(),
            )
        })
        .collect();
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let x_max = max_of(&converted, |p| p.0).clamp(1.0, 5.0);
    let y_max = (max_of(&converted, |p| p.1) * 1.1).max(0.001);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..x_max, 0f64..y_max)?;
    chart
        .configure_mesh()
        .x_desc("percentile")
        .y_desc("latency (ms)")
        .x_labels(6)
        .x_label_formatter(&|x| {
            let pct = 100.0 * (1.0 - 10f64.powf(-*x));
            if pct < 99.0 {
                format!("{pct:.0}%")
            } else {
                format!("{pct:.2}%")
            }
        })
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    draw_lines(&mut chart, &converted, SeriesLabelPosition::UpperLeft)?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(svg: &str, needle: &str) -> usize {
        svg.matches(needle).count()
    }

    /// The SVG colour plotters writes for series `i`.
    fn color_attr(i: usize) -> String {
        let RGBColor(r, g, b) = COLORS[i];
        format!("#{r:02X}{g:02X}{b:02X}")
    }

    #[test]
    fn each_fan_out_event_is_one_marker_and_no_line_joins_them() {
        let ack: Vec<(f64, f64)> = (0..10).map(|s| (f64::from(s), 3.0)).collect();
        let events = vec![(2.0, 210.0), (5.0, 250.0), (9.0, 330.0)];
        let svg = lines_svg(
            "t",
            "seconds",
            "ms",
            &[
                ("answer ack p99".into(), ack),
                ("fan-out p99".into(), events.clone()),
            ],
        )
        .unwrap();
        let fan_color = color_attr(1);
        let markers = svg
            .lines()
            .filter(|l| l.contains("<circle") && l.contains(&fan_color))
            .count();
        // One marker per event, plus the one in the legend.
        assert_eq!(markers, events.len() + 1, "{svg}");
        let fan_polylines = svg
            .lines()
            .filter(|l| l.contains("<polyline") && l.contains(&fan_color))
            .count();
        assert_eq!(fan_polylines, 0, "fan-out events must not be joined: {svg}");
        // The continuous series is still a line, without markers.
        let ack_color = color_attr(0);
        assert!(
            svg.lines()
                .any(|l| l.contains("<polyline") && l.contains(&ack_color)),
            "{svg}"
        );
        assert_eq!(count(&svg, "<circle"), events.len() + 1);
    }
}
