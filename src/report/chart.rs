//! Charts as PNG images, drawn by `plotters` on an in-memory bitmap with the
//! DejaVu Sans font the binary carries (`fonts/`), so nothing depends on the
//! fonts installed where it runs and nothing is fetched. Every chart comes
//! with alt text that states the same figures in words, for mail read with
//! images blocked and for screen readers.

use crate::core::report::{percent_text, Week};
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::sync::OnceLock;

/// The font family name the charts ask for.
const FAMILY: &str = "complaintd-sans";

/// DejaVu Sans (Bitstream Vera licence, `fonts/LICENSE-DejaVu`).
static FONT: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");

/// Bar and line colours (accessible contrast on white).
const BAR: RGBColor = RGBColor(0x1f, 0x5a, 0x96);
const LINE: RGBColor = RGBColor(0xc2, 0x4e, 0x00);
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);

/// A drawn chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// The PNG image.
    pub png: Vec<u8>,
    /// The same figures in words.
    pub alt: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// A chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The bundled font was refused.
    #[error("the bundled chart font could not be read")]
    Font,
    /// Drawing failed.
    #[error("drawing a chart failed: {0}")]
    Draw(String),
    /// Encoding the PNG failed.
    #[error("encoding a chart as PNG failed: {0}")]
    Png(#[from] png::EncodingError),
}

fn draw_err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError::Draw(e.to_string())
}

fn font() -> Result<(), ChartError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = DONE.get_or_init(|| register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if *ok {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

/// An axis label for a count: whole numbers only (a chart of small counts
/// would otherwise print 0, 0, 1, 1 for 0, 0.5, 1, 1.5).
fn whole(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-6 {
        format!("{v:.0}")
    } else {
        String::new()
    }
}

/// Encode an RGB buffer as PNG.
fn encode(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header()?;
    w.write_image_data(rgb)?;
    w.finish()?;
    Ok(out)
}

/// Cases received per week (bars, left axis) and responses sent on time
/// (a line, right axis, per cent; a week with no response has no point),
/// oldest week first.
pub fn weekly(weeks: &[Week], width: u32, height: u32) -> Result<Chart, ChartError> {
    font()?;
    let mut rgb = vec![0u8; (width * height * 3) as usize];
    let n = weeks.len().max(1) as f64;
    let top = weeks.iter().map(|w| w.received).max().unwrap_or(0).max(1) as f64 * 1.15;
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_bottom(6)
            .caption(
                "Received per week, and responses on time",
                (FAMILY, 15).into_font().color(&INK),
            )
            .x_label_area_size(34)
            .y_label_area_size(40)
            .right_y_label_area_size(44)
            .build_cartesian_2d(0f64..n, 0f64..top)
            .map_err(draw_err)?
            .set_secondary_coord(0f64..n, 0f64..105f64);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(5)
            .light_line_style(RGBColor(0xf4, 0xf4, 0xf4))
            .bold_line_style(GRID)
            .y_label_formatter(&whole)
            .label_style((FAMILY, 11).into_font().color(&INK))
            .axis_desc_style((FAMILY, 11).into_font().color(&INK))
            .y_desc("received")
            .draw()
            .map_err(draw_err)?;
        chart
            .configure_secondary_axes()
            .y_labels(6)
            .y_label_formatter(&|v| format!("{v:.0}%"))
            .label_style((FAMILY, 11).into_font().color(&INK))
            .axis_desc_style((FAMILY, 11).into_font().color(&INK))
            .y_desc("on time")
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(weeks.iter().enumerate().map(|(i, w)| {
                let x = i as f64;
                Rectangle::new(
                    [(x + 0.18, 0.0), (x + 0.82, w.received as f64)],
                    BAR.filled(),
                )
            }))
            .map_err(draw_err)?
            .label("received")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], BAR.filled()));
        let points: Vec<(f64, f64)> = weeks
            .iter()
            .enumerate()
            .filter_map(|(i, w)| w.on_time_percent().map(|p| (i as f64 + 0.5, p)))
            .collect();
        chart
            .draw_secondary_series(LineSeries::new(points.clone(), LINE.stroke_width(2)))
            .map_err(draw_err)?
            .label("responses on time")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 12, y)], LINE.stroke_width(2)));
        chart
            .draw_secondary_series(points.iter().map(|p| Circle::new(*p, 3, LINE.filled())))
            .map_err(draw_err)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(GRID)
            .label_font((FAMILY, 11).into_font().color(&INK))
            .draw()
            .map_err(draw_err)?;
        // The week labels, under each bar (every other one when crowded).
        let step = weeks.len().div_ceil(12).max(1);
        let style =
            (FAMILY, 10)
                .into_font()
                .color(&INK)
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Top,
                ));
        for (i, w) in weeks.iter().enumerate() {
            if !(weeks.len() - 1 - i).is_multiple_of(step) {
                continue;
            }
            let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
            root.draw(&Text::new(
                w.start.format("%-d %b").to_string(),
                (px, py + 6),
                style.clone(),
            ))
            .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(Chart {
        png: encode(&rgb, width, height)?,
        alt: weekly_alt(weeks),
        width,
        height,
    })
}

/// The weekly chart in words: every week's figures.
pub fn weekly_alt(weeks: &[Week]) -> String {
    if weeks.is_empty() {
        return "No weeks to show.".into();
    }
    let each: Vec<String> = weeks
        .iter()
        .map(|w| {
            format!(
                "week of {}: {} received, {}",
                w.start.format("%-d %b %Y"),
                w.received,
                if w.responses == 0 {
                    "no responses sent".to_string()
                } else {
                    format!(
                        "{} of {} responses on time ({})",
                        w.on_time,
                        w.responses,
                        percent_text(w.on_time_percent())
                    )
                }
            )
        })
        .collect();
    format!(
        "Cases received per week and responses sent on time, {} weeks: {}.",
        weeks.len(),
        each.join("; ")
    )
}

/// A bar chart of counts, one bar per label, titled `title`; the alt text
/// names every bar and its count.
pub fn bars(
    title: &str,
    bars: &[(String, u64)],
    width: u32,
    height: u32,
) -> Result<Chart, ChartError> {
    font()?;
    let mut rgb = vec![0u8; (width * height * 3) as usize];
    let n = bars.len().max(1) as f64;
    let top = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1) as f64 * 1.15;
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_bottom(6)
            .caption(title, (FAMILY, 15).into_font().color(&INK))
            .x_label_area_size(34)
            .y_label_area_size(40)
            .build_cartesian_2d(0f64..n, 0f64..top)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(5)
            .light_line_style(RGBColor(0xf4, 0xf4, 0xf4))
            .bold_line_style(GRID)
            .y_label_formatter(&whole)
            .label_style((FAMILY, 11).into_font().color(&INK))
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                let x = i as f64;
                Rectangle::new([(x + 0.18, 0.0), (x + 0.82, b.1 as f64)], BAR.filled())
            }))
            .map_err(draw_err)?;
        let below =
            (FAMILY, 10)
                .into_font()
                .color(&INK)
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Top,
                ));
        let above =
            (FAMILY, 10)
                .into_font()
                .color(&INK)
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Bottom,
                ));
        // Room per bar for its label, in characters (about 6 px each).
        let room = ((width as f64 - 60.0) / n / 6.5).max(3.0) as usize;
        for (i, b) in bars.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
            root.draw(&Text::new(shorten(&b.0, room), (px, py + 6), below.clone()))
                .map_err(draw_err)?;
            let (tx, ty) = chart.backend_coord(&(i as f64 + 0.5, b.1 as f64));
            root.draw(&Text::new(b.1.to_string(), (tx, ty - 2), above.clone()))
                .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    let alt = if bars.is_empty() {
        format!("{title}: none.")
    } else {
        format!(
            "{title}: {}.",
            bars.iter()
                .map(|(l, n)| format!("{l} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Ok(Chart {
        png: encode(&rgb, width, height)?,
        alt,
        width,
        height,
    })
}

/// `s` cut to `max` characters with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn week(d: &str, received: u64, responses: u64, on_time: u64) -> Week {
        Week {
            start: d.parse::<NaiveDate>().expect("date"),
            received,
            responses,
            on_time,
        }
    }

    /// The pixels of a decoded PNG.
    fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let dec = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut r = dec.read_info().expect("png header");
        let mut buf = vec![0; r.output_buffer_size()];
        let info = r.next_frame(&mut buf).expect("png frame");
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    fn count_colour(rgb: &[u8], c: RGBColor) -> usize {
        rgb.chunks(3)
            .filter(|p| p[0] == c.0 && p[1] == c.1 && p[2] == c.2)
            .count()
    }

    #[test]
    fn the_weekly_chart_is_a_png_with_bars_a_line_text_and_alt_text_of_the_same_figures() {
        let weeks = [
            week("2026-11-02", 4, 2, 1),
            week("2026-11-09", 10, 5, 5),
            week("2026-11-16", 0, 0, 0),
        ];
        let c = weekly(&weeks, 600, 260).expect("chart");
        let (w, h, rgb) = decode(&c.png);
        assert_eq!((w, h), (600, 260));
        assert!(count_colour(&rgb, BAR) > 1000, "bars drawn");
        assert!(count_colour(&rgb, LINE) > 50, "the on-time line drawn");
        if let Some(dir) = std::env::var_os("CHART_SAMPLE_DIR") {
            std::fs::write(std::path::Path::new(&dir).join("weekly.png"), &c.png).expect("sample");
        }
        // Text is anti-aliased: count dark pixels, not the exact ink.
        let dark = rgb
            .chunks(3)
            .filter(|p| p.iter().all(|v| *v < 0x60))
            .count();
        assert!(
            dark > 300,
            "text drawn with the bundled font: {dark} dark pixels"
        );
        assert_eq!(
            c.alt,
            "Cases received per week and responses sent on time, 3 weeks: \
             week of 2 Nov 2026: 4 received, 1 of 2 responses on time (50%); \
             week of 9 Nov 2026: 10 received, 5 of 5 responses on time (100%); \
             week of 16 Nov 2026: 0 received, no responses sent."
        );
    }

    #[test]
    fn a_bar_chart_taller_bars_for_larger_counts_and_alt_text_naming_each() {
        let c = bars(
            "Received by kind",
            &[("complaint".into(), 8), ("compliment".into(), 2)],
            400,
            220,
        )
        .expect("chart");
        let (w, _, rgb) = decode(&c.png);
        // Count bar pixels in each half: the complaint bar (left) is taller.
        let (mut left, mut right) = (0, 0);
        for (i, p) in rgb.chunks(3).enumerate() {
            if p == [BAR.0, BAR.1, BAR.2] {
                if (i as u32 % w) < w / 2 {
                    left += 1;
                } else {
                    right += 1;
                }
            }
        }
        assert!(left > 3 * right && right > 0, "{left} vs {right}");
        assert_eq!(c.alt, "Received by kind: complaint 8, compliment 2.");
    }

    #[test]
    fn empty_data_still_draws() {
        assert!(weekly(&[], 300, 200).is_ok());
        let c = bars("Refusals", &[], 300, 200).expect("chart");
        assert_eq!(c.alt, "Refusals: none.");
    }
}
