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

/// The value-bet rule's bets: cumulative profit at one unit each, and the band luck alone
/// would give around the profit expected at the closing line.
fn rule_profit_svg(report: &BacktestReport, out: &mut String) -> PlotResult {
    let curve = &report.value_rule.curve;
    let (Some(first), Some(last)) = (curve.first().map(|p| p.date), curve.last().map(|p| p.date)) else {
        return Ok(());
    };
    let lo = curve.iter().map(|p| p.low.min(p.profit)).fold(0.0f64, f64::min);
    let hi = curve.iter().map(|p| p.high.max(p.profit)).fold(0.0f64, f64::max);
    let root = SVGBackend::with_string(out, (560, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Value-bet rule: cumulative profit (units, flat)", ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(50)
        .build_cartesian_2d(first..last, (lo - 1.0)..(hi + 1.0))?;
    chart.configure_mesh().x_labels(6).draw()?;
    let band: Vec<(chrono::NaiveDate, f64)> =
        curve.iter().map(|p| (p.date, p.high)).chain(curve.iter().rev().map(|p| (p.date, p.low))).collect();
    let grey = BLACK.mix(0.12);
    chart
        .draw_series(std::iter::once(Polygon::new(band, grey.filled())))?
        .label("expected at the close, 95% band")
        .legend(move |(x, y)| Rectangle::new([(x, y - 4), (x + 16, y + 4)], grey.filled()));
    let c = colour(0);
    chart
        .draw_series(LineSeries::new(curve.iter().map(|p| (p.date, p.profit)), c.stroke_width(2)))?
        .label("profit")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], c.stroke_width(2)));
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;
    root.present()?;
    Ok(())
}

/// How the rule's bets' closing-line values spread, in 2-point bins.
fn clv_svg(report: &BacktestReport, out: &mut String) -> PlotResult {
    let bins = &report.value_rule.clv_histogram;
    let top = bins.iter().map(|(_, n)| *n).max().unwrap_or(0);
    if top == 0 {
        return Ok(());
    }
    let root = SVGBackend::with_string(out, (560, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Value-bet rule: closing-line value of each bet", ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(-20f64..20f64, 0u32..(top as u32 + 1))?;
    chart.configure_mesh().x_desc("p_close × price − 1 (%)").y_desc("bets").draw()?;
    let c = colour(1);
    chart.draw_series(bins.iter().map(|(from, n)| {
        let x = from * 100.0;
        Rectangle::new([(x, 0), (x + 2.0, *n as u32)], c.filled())
    }))?;
    root.present()?;
    Ok(())
}

/// The rule chosen before each season, as a table.
fn rule_table(report: &BacktestReport) -> String {
    let mut out = String::from(
        "<table><tr><th>season</th><th>rule (chosen on the seasons before)</th><th>validation CLV</th>\
         <th>bets</th><th>CLV</th><th>price ratio</th><th>ROI</th></tr>",
    );
    for s in &report.value_rule.seasons {
        let (rule, validation) = match &s.chosen {
            Some(c) => (
                c.rule.to_string(),
                format!("{:+.2}% ({} bets)", c.validation.clv * 100.0, c.validation.clv_bets),
            ),
            None => ("none: nothing bet".to_owned(), "negative".to_owned()),
        };
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:+.2}%</td><td>{:+.2}%</td><td>{:+.2}%</td></tr>",
            escape(&s.season),
            escape(&rule),
            validation,
            s.test.bets,
            s.test.clv * 100.0,
            s.test.price_ratio * 100.0,
            s.test.roi * 100.0
        );
    }
    out.push_str("</table>");
    out
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
    let mut rule_profit = String::new();
    rule_profit_svg(report, &mut rule_profit).map_err(|e| anyhow::anyhow!("rule profit plot: {e}"))?;
    let mut clv = String::new();
    clv_svg(report, &mut clv).map_err(|e| anyhow::anyhow!("CLV plot: {e}"))?;
    let mut page = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Kickoff backtest</title>\
         <style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em}\
         td,th{padding:.2em .6em;text-align:left}\
         .plots{display:flex;flex-wrap:wrap;gap:1em}</style></head><body>",
    );
    let _ = write!(
        page,
        "<h1>Walk-forward backtest</h1><p>Test seasons {:?}, leagues {:?}; weekly refits, never on a \
         match's own day or later.</p><pre>{}</pre><div class=\"plots\">{calibration}{profit}</div>\
         <h2>Value-bet rule</h2><p>{}</p>{}<div class=\"plots\">{rule_profit}{clv}</div></body></html>",
        report.config.test_seasons,
        report.config.leagues,
        escape(&report.table()),
        escape(&report.value_rule.verdict),
        rule_table(report)
    );
    Ok(page)
}
