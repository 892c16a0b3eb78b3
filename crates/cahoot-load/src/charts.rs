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

/// One coloured series per line, and the legend.
fn draw_lines<'a>(
    chart: &mut Chart<'a, 'a>,
    lines: &[Line],
    legend_at: SeriesLabelPosition,
) -> anyhow::Result<()> {
    for (i, (label, pts)) in lines.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))?
            .label(label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(legend_at)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// Lines of (x, y) points, e.g. seconds → latency or seconds → requests per second.
pub fn lines(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    lines: &[Line],
) -> anyhow::Result<()> {
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
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
