//! The chart of a run (`measured --svg PATH`): on top, side by side, how many times
//! better Rust did than Python on each row and what fraction of the row's ceiling it
//! reached (log scales, with each row's goals); below, threads against processes on
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
        let top_height = 90 + 24 * rows.len().max(1) as u32;
        let size = (1000, top_height + 340);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        let (top, bottom) = root.split_vertically(top_height);
        let (python, machine) = top.split_horizontally(600);
        bars(&python, rows, &AGAINST_PYTHON)?;
        bars(&machine, rows, &AGAINST_CEILING)?;
        let (left, right) = bottom.split_horizontally(500);
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

/// One panel of horizontal bars, one per row, on a log scale: which figure of a row
/// it shows, and how to judge it.
struct Panel {
    caption: &'static str,
    figure: fn(&Row) -> Option<f64>,
    goal: fn(&Row) -> Option<f64>,
    met: fn(&Row) -> Option<bool>,
    /// Where a bar has no figure: what to write instead.
    missing: fn(&Row) -> &'static str,
    /// A line across the panel (the ceiling itself), if any.
    line_at: Option<f64>,
    /// Whether the row names are written on the left.
    names: bool,
    label: fn(f64) -> String,
}

const AGAINST_PYTHON: Panel = Panel {
    caption: "Times better than Python (log scale; | = goal)",
    figure: |r| r.speedup,
    goal: |r| r.spec.goal,
    met: Row::met_goal,
    missing: |r| match (r.python, r.rust) {
        (None, Some(_)) => "Rust only: no Python figure",
        (Some(_), None) => "Python only: no Rust figure",
        _ => "no figure",
    },
    line_at: None,
    names: true,
    label: |x| format!(" {x:.1}x"),
};

const AGAINST_CEILING: Panel = Panel {
    caption: "Of the ceiling (log; line = 1, | = goal)",
    figure: |r| r.of_ceiling,
    goal: |r| r.spec.ceiling_goal,
    met: Row::met_ceiling_goal,
    missing: |r| {
        if r.spec.ceiling.is_some() {
            "no figure"
        } else {
            "no ceiling"
        }
    },
    line_at: Some(1.0),
    names: false,
    label: |x| format!(" {x:.2}"),
};

/// Horizontal bars, one per row, of the panel's figure, on a log scale.
fn bars(area: &Area, rows: &[Row], panel: &Panel) -> Result<(), Box<dyn Error>> {
    let n = rows.len().max(1) as u32;
    let figures = rows
        .iter()
        .flat_map(|r| [(panel.figure)(r), (panel.goal)(r)])
        .flatten()
        .filter(|x| x.is_finite() && *x > 0.0);
    let (lo, hi) = figures.fold((0.5f64, 2.0f64), |(lo, hi), x| {
        (lo.min(x / 2.0), hi.max(x * 3.0))
    });
    // Row 0 at the top: segment i from the bottom holds row n-1-i.
    let name_at = |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(i) if panel.names => rows
            .get((n - 1).wrapping_sub(*i) as usize)
            .map_or(String::new(), |r| r.spec.name.to_string()),
        _ => String::new(),
    };
    let mut chart = ChartBuilder::on(area)
        .caption(panel.caption, ("sans-serif", 17))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(if panel.names { 230 } else { 4 })
        .build_cartesian_2d((lo..hi).log_scale(), (0..n - 1).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_max_light_lines(0)
        .y_labels(n as usize)
        .y_label_formatter(&name_at)
        .x_label_formatter(&|x| (panel.label)(*x).trim().to_string())
        .label_style(("sans-serif", 13))
        .draw()?;
    for (i, row) in rows.iter().enumerate() {
        let slot = n - 1 - i as u32;
        let (bottom, top) = (SegmentValue::Exact(slot), SegmentValue::Exact(slot + 1));
        match (panel.figure)(row).filter(|x| x.is_finite() && *x > 0.0) {
            Some(s) => {
                let colour = match (panel.met)(row) {
                    Some(true) => MET,
                    Some(false) => MISSED,
                    None => NO_GOAL,
                };
                let mut bar = Rectangle::new(
                    [(lo, bottom.clone()), (s, top.clone())],
                    colour.filled(),
                );
                bar.set_margin(4, 4, 0, 0);
                chart.draw_series([bar])?;
                chart.draw_series([Text::new(
                    (panel.label)(s),
                    (s, SegmentValue::CenterOf(slot)),
                    TextStyle::from(("sans-serif", 12).into_font())
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                )])?;
            }
            None => {
                chart.draw_series([Text::new(
                    format!(" {}", (panel.missing)(row)),
                    (lo, SegmentValue::CenterOf(slot)),
                    TextStyle::from(("sans-serif", 12).into_font())
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                )])?;
            }
        }
        if let Some(g) = (panel.goal)(row) {
            let mut goal =
                Rectangle::new([(g, bottom), (g * 1.03, top)], BLACK.filled());
            goal.set_margin(2, 2, 0, 0);
            chart.draw_series([goal])?;
        }
    }
    if let Some(x) = panel.line_at {
        chart.draw_series([PathElement::new(
            [(x, SegmentValue::Exact(0)), (x, SegmentValue::Exact(n))],
            BLACK.stroke_width(1),
        )])?;
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
        let mut start =
            Row::from_samples(*spec("process-start").unwrap(), &[90.0], &[1.0]);
        start.of_ceiling = Some(0.45);
        let rows = [
            Row::from_samples(*spec("pool-batch").unwrap(), &[1.0], &[30.0]),
            start,
            Row::from_samples(*spec("queue").unwrap(), &[], &[5.0]),
            Row::from_samples(*spec("thread-lock").unwrap(), &[1.0], &[20.0]),
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
            " 0.45",
            "no ceiling",
            "Of the ceiling",
        ] {
            assert!(svg.contains(text), "the chart lacks {text}");
        }
    }
}
