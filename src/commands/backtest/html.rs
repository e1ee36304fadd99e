//! The backtest as one HTML page: the scores table and SVG plots (calibration curves,
//! cumulative profit) drawn with plotters.

use std::fmt::Write;

use plotters::prelude::*;
use workers::backtest::BacktestReport;

/// The models drawn in the plots, when the report has them.
const PLOTTED: [&str; 5] = ["ensemble", "ensemble_market", "dixon_coles", "elo", "market_avg_closing"];

fn colour(i: usize) -> RGBColor {
    [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
    ][i % 5]
}

type PlotResult = Result<(), Box<dyn std::error::Error>>;

fn calibration_svg(report: &BacktestReport, out: &mut String) -> PlotResult {
    let root = SVGBackend::with_string(out, (560, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Calibration (home, draw and away pooled)", ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(0f64..1f64, 0f64..1f64)?;
    chart.configure_mesh().x_desc("forecast probability").y_desc("observed frequency").draw()?;
    chart.draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], BLACK.mix(0.3)))?;
    for (i, model) in PLOTTED.iter().enumerate() {
        let Some(bins) = report.calibration.get(*model) else { continue };
        let points: Vec<(f64, f64)> =
            bins.iter().filter(|b| b.count >= 20).map(|b| (b.mean_predicted, b.observed)).collect();
        let c = colour(i);
        chart
            .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))?
            .label(*model)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], c.stroke_width(2)));
        chart.draw_series(points.into_iter().map(|p| Circle::new(p, 3, c.filled())))?;
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;
    root.present()?;
    Ok(())
}

fn profit_svg(report: &BacktestReport, out: &mut String) -> PlotResult {
    let curves: Vec<(&String, &Vec<(chrono::NaiveDate, f64)>)> =
        report.profit_curves.iter().filter(|(_, c)| !c.is_empty()).collect();
    let dates = curves.iter().flat_map(|(_, c)| c.iter().map(|(d, _)| *d));
    let (Some(first), Some(last)) = (dates.clone().min(), dates.max()) else {
        return Ok(());
    };
    let values = curves.iter().flat_map(|(_, c)| c.iter().map(|(_, v)| *v));
    let lo = values.clone().fold(0.0f64, f64::min);
    let hi = values.fold(0.0f64, f64::max);
    let root = SVGBackend::with_string(out, (560, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Cumulative profit, fractional Kelly (units)", ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(50)
        .build_cartesian_2d(first..last, (lo - 1.0)..(hi + 1.0))?;
    chart.configure_mesh().x_labels(6).draw()?;
    for (i, (model, curve)) in curves.iter().enumerate() {
        let c = colour(i);
        chart
            .draw_series(LineSeries::new(curve.iter().copied(), c.stroke_width(2)))?
            .label(model.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], c.stroke_width(2)));
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;
    root.present()?;
    Ok(())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The whole page.
pub fn render(report: &BacktestReport) -> anyhow::Result<String> {
    let mut calibration = String::new();
    calibration_svg(report, &mut calibration).map_err(|e| anyhow::anyhow!("calibration plot: {e}"))?;
    let mut profit = String::new();
    profit_svg(report, &mut profit).map_err(|e| anyhow::anyhow!("profit plot: {e}"))?;
    let mut page = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Kickoff backtest</title>\
         <style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em}\
         .plots{display:flex;flex-wrap:wrap;gap:1em}</style></head><body>",
    );
    let _ = write!(
        page,
        "<h1>Walk-forward backtest</h1><p>Test seasons {:?}, leagues {:?}; weekly refits, never on a \
         match's own day or later.</p><pre>{}</pre><div class=\"plots\">{calibration}{profit}</div></body></html>",
        report.config.test_seasons,
        report.config.leagues,
        escape(&report.table())
    );
    Ok(page)
}
