//! The chart of a run (`measured --svg PATH`): on top, how many times better Rust did
//! on each row (log scale, with each row's goal); below, threads against processes on
//! CPU-bound and on I/O-bound work, as speedups over running the same work
//! sequentially.

use crate::Row;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::error::Error;

/// Speedups over sequential for one language and one workload.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Spread {
    pub threads: Option<f64>,
    pub processes: Option<f64>,
}

/// One workload (CPU-bound or I/O-bound) spread both ways, in both languages.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Workload {
    pub workers: usize,
    pub python: Spread,
    pub rust: Spread,
}

const PYTHON: RGBColor = RGBColor(55, 118, 171);
const RUST: RGBColor = RGBColor(206, 66, 43);
const PYTHON_LIGHT: RGBColor = RGBColor(150, 185, 215);
const RUST_LIGHT: RGBColor = RGBColor(235, 160, 140);
const MET: RGBColor = RGBColor(46, 139, 87);
const MISSED: RGBColor = RGBColor(220, 140, 30);
const NO_GOAL: RGBColor = RGBColor(150, 150, 150);

/// The chart as SVG text.
pub fn render(
    rows: &[Row],
    cpu: &Workload,
    io: &Workload,
) -> Result<String, Box<dyn Error>> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 720)).into_drawing_area();
        root.fill(&WHITE)?;
        let (top, bottom) = root.split_vertically(380);
        let (left, right) = bottom.split_horizontally(450);
        ratios(&top, rows)?;
        workload(&left, "CPU-bound loop", cpu)?;
        workload(&right, "I/O-bound sleeps", io)?;
        root.present()?;
    }
    Ok(svg)
}

/// Writes the chart to `path`.
pub fn write(
    path: &std::path::Path,
    rows: &[Row],
    cpu: &Workload,
    io: &Workload,
) -> Result<(), Box<dyn Error>> {
    std::fs::write(path, render(rows, cpu, io)?)?;
    Ok(())
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// Horizontal bars, one per row, of "times better", on a log scale.
fn ratios(area: &Area, rows: &[Row]) -> Result<(), Box<dyn Error>> {
    let n = rows.len().max(1) as u32;
    let figures = rows.iter().flat_map(|r| [r.speedup, r.spec.goal]).flatten();
    let (lo, hi) = figures.fold((0.5f64, 2.0f64), |(lo, hi), x| {
        (lo.min(x / 2.0), hi.max(x * 3.0))
    });
    // Row 0 at the top: segment i from the bottom holds row n-1-i.
    let name_at = |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(i) => rows
            .get((n - 1).wrapping_sub(*i) as usize)
            .map_or(String::new(), |r| r.spec.name.to_string()),
        _ => String::new(),
    };
    let mut chart = ChartBuilder::on(area)
        .caption(
            "How many times better Rust does (log scale; | = goal)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(170)
        .build_cartesian_2d((lo..hi).log_scale(), (0..n - 1).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_max_light_lines(0)
        .y_labels(n as usize)
        .y_label_formatter(&name_at)
        .x_label_formatter(&|x| format!("{x}x"))
        .label_style(("sans-serif", 13))
        .draw()?;
    for (i, row) in rows.iter().enumerate() {
        let slot = n - 1 - i as u32;
        let (bottom, top) = (SegmentValue::Exact(slot), SegmentValue::Exact(slot + 1));
        if let Some(s) = row.speedup {
            let colour = match row.met_goal() {
                Some(true) => MET,
                Some(false) => MISSED,
                None => NO_GOAL,
            };
            let mut bar = Rectangle::new(
                [(lo, bottom.clone()), (s, top.clone())],
                colour.filled(),
            );
            bar.set_margin(5, 5, 0, 0);
            chart.draw_series([bar])?;
            chart.draw_series([Text::new(
                format!(" {s:.1}x"),
                (s, SegmentValue::CenterOf(slot)),
                TextStyle::from(("sans-serif", 12).into_font())
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            )])?;
        } else {
            let label = match (row.python, row.rust) {
                (None, Some(_)) => "Rust only: no Python figure",
                (Some(_), None) => "Python only: no Rust figure",
                _ => "no figure",
            };
            chart.draw_series([Text::new(
                label,
                (lo, SegmentValue::CenterOf(slot)),
                ("sans-serif", 12).into_font(),
            )])?;
        }
        if let Some(g) = row.spec.goal {
            let mut goal =
                Rectangle::new([(g, bottom), (g * 1.03, top)], BLACK.filled());
            goal.set_margin(2, 2, 0, 0);
            chart.draw_series([goal])?;
        }
    }
    Ok(())
}

/// Four bars: Python threads, Python processes, Rust threads, Rust processes, each the
/// speedup over running the same work one unit after another.
fn workload(area: &Area, title: &str, w: &Workload) -> Result<(), Box<dyn Error>> {
    let bars = [
        ("Python threads", w.python.threads, PYTHON),
        ("Python processes", w.python.processes, PYTHON_LIGHT),
        ("Rust threads", w.rust.threads, RUST),
        ("Rust processes", w.rust.processes, RUST_LIGHT),
    ];
    let top = bars
        .iter()
        .filter_map(|b| b.1)
        .fold(w.workers as f64, f64::max)
        * 1.2;
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{title}: {} workers, speedup over sequential", w.workers),
            ("sans-serif", 15),
        )
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d((0u32..3).into_segmented(), 0f64..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_max_light_lines(0)
        .x_labels(4)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => bars
                .get(*i as usize)
                .map_or(String::new(), |b| b.0.to_string()),
            _ => String::new(),
        })
        .y_label_formatter(&|y| format!("{y}x"))
        .label_style(("sans-serif", 12))
        .draw()?;
    // The ideal: every worker busy all the time.
    chart.draw_series([PathElement::new(
        [
            (SegmentValue::Exact(0), w.workers as f64),
            (SegmentValue::Exact(4), w.workers as f64),
        ],
        BLACK.stroke_width(1),
    )])?;
    for (i, (_, value, colour)) in bars.iter().enumerate() {
        let i = i as u32;
        if let Some(v) = value {
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), *v),
                ],
                colour.filled(),
            );
            bar.set_margin(0, 0, 12, 12);
            chart.draw_series([bar])?;
            chart.draw_series([Text::new(
                format!("{v:.2}x"),
                (SegmentValue::CenterOf(i), *v + top * 0.05),
                TextStyle::from(("sans-serif", 12).into_font())
                    .pos(Pos::new(HPos::Center, VPos::Bottom)),
            )])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Row, spec};

    #[test]
    fn chart_names_every_row_and_every_bar() {
        let rows = [
            Row::from_samples(*spec("pool-batch").unwrap(), &[1.0], &[30.0]),
            Row::from_samples(*spec("process-start").unwrap(), &[90.0], &[1.0]),
            Row::from_samples(*spec("queue").unwrap(), &[], &[5.0]),
        ];
        let cpu = Workload {
            workers: 2,
            python: Spread {
                threads: Some(0.7),
                processes: Some(1.5),
            },
            rust: Spread {
                threads: Some(1.9),
                processes: None,
            },
        };
        let svg = render(&rows, &cpu, &Workload::default()).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        for text in [
            "pool-batch",
            "process-start",
            "queue",
            "Rust only",
            "30.0x",
            "90.0x",
            "Rust threads",
            "1.90x",
        ] {
            assert!(svg.contains(text), "the chart lacks {text}");
        }
    }
}
